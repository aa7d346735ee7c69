import Shared
import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the tokens file on SIGHUP, so that adding or revoking a token
/// needs neither a code change nor a restart. A file that no longer reads
/// or validates leaves the current tokens in place, with an error logged.
struct TokenReloader: Service {
    let path: String
    let registry: TokenRegistry
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            reload()
        }
    }

    func reload() {
        do throws(FieldError) {
            let file = try AccessTokenFile.read(path: path)
            registry.replace(with: file)
            logger.notice("tokens reloaded", metadata: ["tokensFile": "\(path)", "tokens": "\(file.tokens.count)"])
        } catch {
            logger.error("tokens not reloaded; the previous ones stay in force", metadata: ["error": "\(error)"])
        }
    }
}
