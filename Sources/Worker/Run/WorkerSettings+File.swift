import Foundation
import Shared

extension WorkerSettings {
    /// The settings in a `--config` JSON file.
    static func load(path: String) throws(WorkerConfigurationError) -> WorkerSettings {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw WorkerConfigurationError("cannot read --config \(path): \(error.localizedDescription)")
        }
        do {
            return try JSONInput.decode(WorkerSettings.self, from: data)
        } catch {
            throw WorkerConfigurationError("--config \(path): \(error)")
        }
    }
}
