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
            "listening on http://HOST:PORT".
            """
    )

    @Option(help: "The SQLite database file (created if missing).")
    var db: String?

    @Option(help: "The address to bind (default 127.0.0.1; other addresses must be asked for).")
    var host: String?

    @Option(help: "The port to bind (default 8420; 0 picks a free one).")
    var port: Int?

    @Option(help: "A JSON file with db, host, port, logLevel and maxDatabaseMiB; flags override it.")
    var config: String?

    @Option(help: ArgumentHelp(
        "A ceiling on the database's size in MiB (default: none).",
        discussion: "Writes that would grow it past the ceiling answer 503, as on a full disk; reads go on."))
    var maxDatabaseMib: Int?

    func run() async throws {
        let settings = try ServeSettings.resolve(
            configFile: config, db: db, host: host, port: port, maxDatabaseMiB: maxDatabaseMib)
        var logger = Logger(label: "gvm-coordinator")
        logger.logLevel = settings.logLevel

        let store = try StoreFactory.open(path: settings.db, maxDatabaseMiB: settings.maxDatabaseMiB)
        let application = CoordinatorServer.makeApplication(
            store: store, host: settings.host, port: settings.port, logger: logger
        ) { host, port in
            // Scripts and tests read this line to learn the port.
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
        }
        // Writes the rest of each stage's work units, batch by batch.
        let queuer = WorkQueuer(store: store, logger: logger)
        // Last, so that a shutdown stops training before the server.
        let trainer = BuiltinTrainer(store: store, logger: logger)
        let services = ServiceGroup(configuration: .init(
            services: [application, queuer, trainer], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
    }
}

/// The serve settings from the config file, then the flags.
struct ServeSettings: Decodable {
    var db: String?
    var host: String?
    var port: Int?
    var logLevel: String?
    var maxDatabaseMiB: Int?

    enum CodingKeys: String, CodingKey, CaseIterable { case db, host, port, logLevel, maxDatabaseMiB }

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
    }

    struct Resolved {
        var db: String
        var host: String
        var port: Int
        var logLevel: Logger.Level
        var maxDatabaseMiB: Int?
    }

    /// The largest `maxDatabaseMiB`, 1 TiB: 2^28 pages of 4 KiB, well inside
    /// SQLite's own page-count limit.
    static let maxDatabaseMiBLimit = 1 << 20

    static func resolve(
        configFile: String?, db: String?, host: String?, port: Int?, maxDatabaseMiB: Int? = nil
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
        return Resolved(
            db: database, host: host ?? file.host ?? "127.0.0.1", port: port, logLevel: level, maxDatabaseMiB: ceiling)
    }
}
