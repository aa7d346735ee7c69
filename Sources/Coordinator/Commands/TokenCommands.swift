import ArgumentParser
import Crypto
import Foundation
import Shared

/// `gvm-coordinator tokens add|revoke|list`: the tokens file without
/// hand-edited JSON or hand-computed hashes. They change only the file;
/// the coordinator reads it again on SIGHUP (`systemctl reload`).
struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Add, revoke and list the tokens of a tokens file.",
        subcommands: [AddTokenCommand.self, RevokeTokenCommand.self, ListTokensCommand.self])
}

/// `--file`, the tokens file every `tokens` subcommand works on.
struct TokensFileOption: ParsableArguments {
    @Option(help: "The tokens file, as the coordinator's --tokens names it.")
    var file: String

    /// The file's tokens; none when it does not exist yet.
    func read() throws -> AccessTokenFile {
        guard FileManager.default.fileExists(atPath: file) else { return AccessTokenFile(tokens: []) }
        do throws(FieldError) {
            return try AccessTokenFile.read(path: file)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Replaces the file whole (a new file renamed over it), so that a
    /// coordinator reloading meanwhile reads the old list or the new one.
    /// It holds hashes only, so it stays readable by the service (0644).
    func write(_ tokens: AccessTokenFile) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let url = URL(fileURLWithPath: file)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
        try (encoder.encode(tokens) + Data("\n".utf8)).write(to: temporary)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: temporary.path)
        guard rename(temporary.path, file) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw CommandFailure("cannot replace \(file): \(String(cString: strerror(errno)))")
        }
    }
}

/// `tokens add`: a new random token, written to its own file (mode 0600)
/// for the worker or operator who presents it, and its hash to the tokens file.
struct AddTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Make a token: its hash goes to --file, the token to --token-out.")

    @OptionGroup var tokens: TokensFileOption

    @Option(help: "The token's name: the identity that owns its leases (1-64 of A-Z a-z 0-9 . _ @ -).")
    var name: String

    @Option(help: "worker, operator or reader.")
    var role: String

    @Option(help: "Where to write the token (created, mode 0600; an existing file is refused).")
    var tokenOut: String

    func run() throws {
        guard let role = AccessRole(rawValue: role) else {
            throw ValidationError("--role must be one of \(AccessRole.allCases.map(\.rawValue).joined(separator: ", ")), got \(role)")
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }.lowercaseHex
        let entry = AccessTokenEntry(name: name, role: role, digest: Array(SHA256.hash(data: Data(token.utf8))))
        let current = try tokens.read()
        let updated: AccessTokenFile
        do throws(FieldError) {
            updated = try current.adding(entry)
        } catch {
            throw ValidationError("\(tokens.file): \(error)")
        }
        // The token first, so that a failure leaves no entry without its token.
        let descriptor = open(tokenOut, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw CommandFailure("cannot create --token-out \(tokenOut): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data((token + "\n").utf8))
        try handle.close()
        try tokens.write(updated)
        print("added \(name) (\(role.rawValue)) to \(tokens.file); its token is in \(tokenOut). "
            + "Reload the coordinator (systemctl reload gvm-coordinator) to accept it.")
    }
}

/// `tokens revoke`: the entry leaves the file; the token stops working at
/// the coordinator's next reload or restart.
struct RevokeTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Remove a token from --file by name.")

    @OptionGroup var tokens: TokensFileOption

    @Option(help: "The token's name.")
    var name: String

    func run() throws {
        let current = try tokens.read()
        let updated: AccessTokenFile
        do throws(FieldError) {
            updated = try current.removing(name: name)
        } catch {
            throw ValidationError("\(tokens.file): \(error)")
        }
        try tokens.write(updated)
        print("revoked \(name) in \(tokens.file). Reload the coordinator (systemctl reload gvm-coordinator) to refuse it.")
    }
}

/// `tokens list`: names and roles, never hashes.
struct ListTokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the names and roles in --file.")

    @OptionGroup var tokens: TokensFileOption

    func run() throws {
        for entry in try tokens.read().tokens {
            print("\(entry.name)\t\(entry.role.rawValue)")
        }
    }
}
