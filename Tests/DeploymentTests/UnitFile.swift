import Foundation

/// A systemd unit file read the way systemd reads one, as far as these tests
/// need: `[Section]` headers, `Key=value` lines (a key may repeat), comments
/// starting with `#` or `;`, and lines continued with a trailing backslash.
struct UnitFile {
    struct Entry: Equatable {
        var section: String
        var key: String
        var value: String
        var line: Int
    }

    struct SyntaxError: Error, CustomStringConvertible {
        var description: String
    }

    var entries: [Entry] = []

    init(text: String) throws {
        var section: String?
        var pending = ""
        var pendingLine = 0
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty {
                if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
                pendingLine = index + 1
            } else if line.hasPrefix("#") || line.hasPrefix(";") {
                // Comments inside a continued line are skipped, as systemd does.
                continue
            }
            if line.hasSuffix("\\") {
                line.removeLast()
                pending += line + " "
                continue
            }
            line = pending + line
            pending = ""
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw SyntaxError(description: "line \(pendingLine): malformed section header \"\(line)\"")
                }
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw SyntaxError(description: "line \(pendingLine): no \"=\" in \"\(line)\"")
            }
            guard let section else {
                throw SyntaxError(description: "line \(pendingLine): \"\(line)\" comes before any section")
            }
            entries.append(Entry(
                section: section,
                key: line[..<equals].trimmingCharacters(in: .whitespaces),
                value: line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces),
                line: pendingLine))
        }
        if !pending.isEmpty {
            throw SyntaxError(description: "line \(pendingLine): the file ends inside a continued line")
        }
    }

    init(contentsOf url: URL) throws {
        try self.init(text: String(contentsOf: url, encoding: .utf8))
    }

    var sections: Set<String> { Set(entries.map(\.section)) }

    /// Every value given to `key` in `section`, in file order.
    func values(_ key: String, in section: String = "Service") -> [String] {
        entries.filter { $0.section == section && $0.key == key }.map(\.value)
    }

    /// The value that counts for a single-valued setting: the last one.
    func value(_ key: String, in section: String = "Service") -> String? {
        values(key, in: section).last
    }
}

/// An `EnvironmentFile=`: `KEY=value` lines, comments starting with `#` or
/// `;`, values optionally in single or double quotes.
enum EnvironmentFile {
    static func parse(_ text: String) throws -> [String: String] {
        var variables: [String: String] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw UnitFile.SyntaxError(description: "line \(index + 1): no \"=\" in \"\(line)\"")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            variables[key] = value
        }
        return variables
    }

    /// The variables of `Environment=` settings: space-separated assignments.
    static func assignments(_ settings: [String]) -> [String: String] {
        var variables: [String: String] = [:]
        for setting in settings {
            for assignment in setting.split(separator: " ", omittingEmptySubsequences: true) {
                guard let equals = assignment.firstIndex(of: "=") else { continue }
                variables[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
            }
        }
        return variables
    }
}

/// Turns an `ExecStart=` line into the argument vector systemd would run, for
/// the subset of systemd's rules the units use: words split at spaces,
/// `${VAR}` replaced within its word, a word that is exactly `$VAR` replaced
/// by the value's words (none when empty), and the specifiers `%H` (host
/// name), `%i` (instance) and `%%`.
enum ExecLine {
    struct UndefinedVariable: Error, CustomStringConvertible {
        var name: String
        var description: String { "ExecStart uses $\(name), which neither Environment= nor the environment file sets" }
    }

    static func expand(_ line: String, environment: [String: String], hostName: String, instance: String) throws -> [String] {
        var arguments: [String] = []
        for word in line.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let specified = specifiers(word, hostName: hostName, instance: instance)
            if specified.hasPrefix("$"), !specified.hasPrefix("${") {
                let name = String(specified.dropFirst())
                guard let value = environment[name] else { throw UndefinedVariable(name: name) }
                arguments += value.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                continue
            }
            var expanded = ""
            var rest = Substring(specified)
            while let start = rest.range(of: "${") {
                expanded += rest[..<start.lowerBound]
                guard let end = rest[start.upperBound...].firstIndex(of: "}") else { break }
                let name = String(rest[start.upperBound..<end])
                guard let value = environment[name] else { throw UndefinedVariable(name: name) }
                expanded += value
                rest = rest[rest.index(after: end)...]
            }
            arguments.append(expanded + rest)
        }
        return arguments
    }

    private static func specifiers(_ word: String, hostName: String, instance: String) -> String {
        var result = ""
        var iterator = word.makeIterator()
        while let character = iterator.next() {
            guard character == "%", let specifier = iterator.next() else {
                result.append(character)
                continue
            }
            switch specifier {
            case "H": result += hostName
            case "i": result += instance
            case "%": result += "%"
            default: result += "%\(specifier)"
            }
        }
        return result
    }
}
