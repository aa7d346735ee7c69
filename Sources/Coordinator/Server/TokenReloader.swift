import Shared
import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the tokens file on SIGHUP, so that adding or revoking a token
/// needs neither a code change nor a restart. A file that no longer reads
/// or validates leaves the current tokens in place, with an error logged.
struct TokenReloader: Service {
    /// The tokens file and the registry it fills; nil without tokens, when
    /// a SIGHUP is logged and changes nothing (instead of ending the process,
    /// as an untrapped SIGHUP would).
    let tokens: (path: String, registry: TokenRegistry)?
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            reload()
        }
    }

    func reload() {
        guard let (path, registry) = tokens else {
            logger.notice("SIGHUP: no tokens file is configured, so there is nothing to reload")
            return
        }
        do throws(FieldError) {
            let file = try AccessTokenFile.read(path: path)
            registry.replace(with: file)
            logger.notice("tokens reloaded", metadata: ["tokensFile": "\(path)", "tokens": "\(file.tokens.count)"])
        } catch {
            logger.error("tokens not reloaded; the previous ones stay in force", metadata: ["error": "\(error)"])
        }
    }
}
