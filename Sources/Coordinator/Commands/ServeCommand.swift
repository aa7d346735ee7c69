import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Shared

/// `gvm-coordinator serve --db FILE [--host H] [--port P] [--config FILE]`
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the coordinator daemon.",
        discussion: """
            All state lives in the SQLite file given by --db; restarting on the same file resumes \
            every run. With --port 0 a free port is bound; the first line on stdout is always \
            "listening on http://HOST:PORT" (https:// with --tls-certificate). SIGHUP re-reads the \
            tokens file.
            """
    )

    @Option(help: "The SQLite database file (created if missing).")
    var db: String?

    @Option(help: "The address to bind (default 127.0.0.1; other addresses must be asked for).")
    var host: String?

    @Option(help: "The port to bind (default 8420; 0 picks a free one).")
    var port: Int?

    @Option(help: ArgumentHelp(
        "A JSON file with db, host, port, logLevel, maxDatabaseMiB, tokensFile, allowedHosts, openMetrics, "
            + "insecureNoAuth, tlsCertificate and tlsKey; flags override it."))
    var config: String?

    @Option(help: ArgumentHelp(
        "The tokens file: each token's name, role and SHA-256 (see docs/operations.md).",
        discussion: "Re-read on SIGHUP. Without tokens, the coordinator only listens on loopback."))
    var tokens: String?

    @Flag(help: "Listen on a non-loopback --host without tokens (only behind something that authenticates).")
    var insecureNoAuth = false

    @Option(help: "Serve HTTPS with this PEM certificate chain (with --tls-key).")
    var tlsCertificate: String?

    @Option(help: "The PEM private key of --tls-certificate.")
    var tlsKey: String?

    @Option(help: ArgumentHelp(
        "A ceiling on the database's size in MiB (default: none).",
        discussion: "Writes that would grow it past the ceiling answer 503, as on a full disk; reads go on."))
    var maxDatabaseMib: Int?

    func run() async throws {
        let settings = try ServeSettings.resolve(
            configFile: config, db: db, host: host, port: port, maxDatabaseMiB: maxDatabaseMib, tokensFile: tokens,
            tlsCertificate: tlsCertificate, tlsKey: tlsKey)
        var logger = Logger(label: "gvm-coordinator")
        logger.logLevel = settings.logLevel

        // The tokens file and the registry it fills, reloaded on SIGHUP.
        let tokens = try settings.tokensFile.map { path in
            do throws(FieldError) {
                return (path: path, registry: TokenRegistry(try AccessTokenFile.read(path: path)))
            } catch {
                throw ValidationError("tokens file (--tokens, tokensFile) \(error)")
            }
        }
        let listening = ListenPolicy.decide(
            host: settings.host, tokensConfigured: tokens != nil, insecureNoAuth: insecureNoAuth || settings.insecureNoAuth)
        if case .refused(let reason) = listening { throw ValidationError(reason) }
        if let warning = listening.warning { logger.warning("\(warning)") }
        let access = AccessPolicy(mode: tokens.map { .tokens($0.registry) } ?? .withoutTokens, openMetrics: settings.openMetrics)

        let tls = try settings.tls.map { try ServerTLS.configuration(certificateFile: $0.certificate, keyFile: $0.key) }

        let store = try StoreFactory.open(path: settings.db, maxDatabaseMiB: settings.maxDatabaseMiB)
        let scheme = tls == nil ? "http" : "https"
        let application = try CoordinatorServer.makeApplication(
            store: store, host: settings.host, port: settings.port, access: access,
            hosts: HostPolicy(bound: settings.host, listed: settings.allowedHosts), tls: tls, logger: logger
        ) { host, port in
            // Scripts and tests read this line to learn the port.
            FileHandle.standardOutput.write(Data("listening on \(scheme)://\(host):\(port)\n".utf8))
        }
        // Writes the rest of each stage's work units, batch by batch.
        let queuer = WorkQueuer(store: store, logger: logger)
        // Last, so that a shutdown stops training before the server.
        let trainer = BuiltinTrainer(store: store, logger: logger)
        // Always, so that a reload (SIGHUP) never stops a coordinator without tokens.
        let reloader = TokenReloader(tokens: tokens, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [application, queuer, trainer, reloader], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The serve settings from the config file, then the flags.
struct ServeSettings: Decodable {
    var db: String?
    var host: String?
    var port: Int?
    var logLevel: String?
    var maxDatabaseMiB: Int?
    var tokensFile: String?
    var allowedHosts: [String]?
    var openMetrics: Bool?
    var insecureNoAuth: Bool?
    var tlsCertificate: String?
    var tlsKey: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case db, host, port, logLevel, maxDatabaseMiB, tokensFile, allowedHosts, openMetrics, insecureNoAuth, tlsCertificate, tlsKey
    }

    init() {}

    /// Unknown keys are refused, as in the worker's config and run
    /// configurations: a misspelt key must not silently fall back.
    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        db = try c.decodeIfPresent(String.self, forKey: .db)
        host = try c.decodeIfPresent(String.self, forKey: .host)
        port = try c.decodeIfPresent(Int.self, forKey: .port)
        logLevel = try c.decodeIfPresent(String.self, forKey: .logLevel)
        maxDatabaseMiB = try c.decodeWholeNumberIfPresent(forKey: .maxDatabaseMiB)
        tokensFile = try c.decodeIfPresent(String.self, forKey: .tokensFile)
        allowedHosts = try c.decodeIfPresent([String].self, forKey: .allowedHosts)
        openMetrics = try c.decodeIfPresent(Bool.self, forKey: .openMetrics)
        insecureNoAuth = try c.decodeIfPresent(Bool.self, forKey: .insecureNoAuth)
        tlsCertificate = try c.decodeIfPresent(String.self, forKey: .tlsCertificate)
        tlsKey = try c.decodeIfPresent(String.self, forKey: .tlsKey)
    }

    struct Resolved {
        var db: String
        var host: String
        var port: Int
        var logLevel: Logger.Level
        var maxDatabaseMiB: Int?
        /// The tokens file; nil runs without tokens (`ListenPolicy`).
        var tokensFile: String?
        /// Host names the coordinator answers to besides loopback and its bound address.
        var allowedHosts: [String]
        /// `/metrics` without a token.
        var openMetrics: Bool
        /// The config file's `insecureNoAuth` (the flag is the command's).
        var insecureNoAuth: Bool
        /// HTTPS from these PEM files; nil serves plain HTTP.
        var tls: (certificate: String, key: String)?
    }

    /// The largest `maxDatabaseMiB`, 1 TiB: 2^28 pages of 4 KiB, well inside
    /// SQLite's own page-count limit.
    static let maxDatabaseMiBLimit = 1 << 20

    static func resolve(
        configFile: String?, db: String?, host: String?, port: Int?, maxDatabaseMiB: Int? = nil, tokensFile: String? = nil,
        tlsCertificate: String? = nil, tlsKey: String? = nil
    ) throws -> Resolved {
        var file = ServeSettings()
        if let configFile {
            do {
                file = try JSONInput.decode(ServeSettings.self, from: try Data(contentsOf: URL(fileURLWithPath: configFile)))
            } catch let error as FieldError {
                throw ValidationError("--config \(configFile): \(error)")
            } catch {
                throw ValidationError("--config \(configFile): cannot read it (\(error.localizedDescription))")
            }
        }
        guard let database = db ?? file.db, !database.isEmpty else {
            throw ValidationError("--db is required (or \"db\" in --config)")
        }
        let port = port ?? file.port ?? 8420
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        let levelName = file.logLevel ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("logLevel must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let ceiling = maxDatabaseMiB ?? file.maxDatabaseMiB
        if let ceiling, !(1...maxDatabaseMiBLimit).contains(ceiling) {
            throw ValidationError("--max-database-mib (maxDatabaseMiB) must be 1 to \(maxDatabaseMiBLimit), got \(ceiling)")
        }
        let hosts = file.allowedHosts ?? []
        if let bad = hosts.first(where: { $0.isEmpty || $0.contains(where: { $0.isWhitespace || $0 == "/" }) }) {
            throw ValidationError("allowedHosts: \(bad.debugDescription) is not a host name")
        }
        let tls: (certificate: String, key: String)?
        switch (tlsCertificate ?? file.tlsCertificate, tlsKey ?? file.tlsKey) {
        case (nil, nil): tls = nil
        case (let certificate?, let key?): tls = (certificate, key)
        default: throw ValidationError("--tls-certificate and --tls-key (tlsCertificate, tlsKey) go together")
        }
        return Resolved(
            db: database, host: host ?? file.host ?? "127.0.0.1", port: port, logLevel: level, maxDatabaseMiB: ceiling,
            tokensFile: tokensFile ?? file.tokensFile, allowedHosts: hosts, openMetrics: file.openMetrics ?? false,
            insecureNoAuth: file.insecureNoAuth ?? false, tls: tls)
    }
}
