import COpenBLAS
import Foundation

/// What the floating point of a run depends on beyond its inputs: results
/// from different CPUs or OpenBLAS kernels may differ in the last bits.
enum MachineIdentity {
    /// The first "model name" of /proc/cpuinfo, or "unknown" where there is none.
    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }

    /// The kernel set OpenBLAS chose for this CPU at load time, e.g. "Haswell".
    static func openblasCore() -> String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
