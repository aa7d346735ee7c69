import ArgumentParser
import HummingbirdTLS
import NIOSSL

/// HTTPS from a certificate chain and a private key, both PEM files. The
/// key file is read once at start; rotate certificates with a restart
/// (workers reconnect and resume their leases).
enum ServerTLS {
    /// The server's TLS configuration, or a start-up error naming the file.
    static func configuration(certificateFile: String, keyFile: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw ValidationError("--tls-certificate \(certificateFile): not a readable PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw ValidationError("--tls-certificate \(certificateFile) holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw ValidationError("--tls-key \(keyFile): not a readable PEM private key (\(error))")
        }
        return TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }
}
