import ArgumentParser
import Dispatch
import Foundation
import MathVerifier
import Shared
import Synchronization

/// `gvm-worker verify`: judges JSON lines `{"id","response","gold"}` from
/// stdin and writes one verdict line per input line, in input order.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify responses against gold answers (JSON lines on stdin).",
        discussion: """
            Each input line is {"id","response","gold"}; gold may be a string or a number. \
            Each output line is {"id","correct","extracted"}, or {"id","line","error"} for a \
            line that could not be read. Blank lines are skipped.
            """
    )

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Lines judged per parallel batch.")
    var batchSize: Int = 4096

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let judge = LineJudge(verifier: MathVerifier())
        let reader = LineReader(fileDescriptor: STDIN_FILENO)
        let output = FileHandle.standardOutput
        var lineNumber = 0
        while true {
            var batch: [(number: Int, text: Data)] = []
            batch.reserveCapacity(batchSize)
            while batch.count < batchSize, let line = reader.next() {
                lineNumber += 1
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) {
                    continue
                }
                batch.append((lineNumber, line))
            }
            if batch.isEmpty { break }
            output.write(judge.judge(batch, threads: threads))
        }
    }
}

/// Judges a batch of lines on `threads` threads and joins the output lines in
/// input order.
struct LineJudge: Sendable {
    let verifier: any AnswerVerifier

    func judge(_ batch: [(number: Int, text: Data)], threads: Int) -> Data {
        // More slices than threads, so one slow line does not idle the others.
        let slices = min(batch.count, threads * 8)
        let outputs = Mutex([Data](repeating: Data(), count: slices))
        // Dispatch's worker threads, not Swift's cooperative pool: verification
        // is CPU-bound and synchronous.
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let lines = (batch.count * slice / slices)..<(batch.count * (slice + 1) / slices)
            let encoder = JSONEncoder()
            var data = Data()
            for (number, text) in batch[lines] {
                data.append(encodeLine(judgeLine(text, number: number), encoder: encoder))
            }
            outputs.withLock { $0[slice] = data }
        }
        return outputs.withLock { $0.reduce(into: Data()) { $0.append($1) } }
    }

    func judgeLine(_ text: Data, number: Int) -> VerifyResultLine {
        let request: VerifyRequestLine
        do {
            request = try JSONInput.decode(VerifyRequestLine.self, from: text)
        } catch {
            // Keep the id if the line was an object with one.
            let id = (try? JSONDecoder().decode(JSONValue.self, from: text))?["id"]
            return .failure(id: id, line: number, error: error.description)
        }
        return .verdict(id: request.id, verifier.verify(response: request.response, gold: request.gold))
    }

    private func encodeLine(_ line: VerifyResultLine, encoder: JSONEncoder) -> Data {
        (try? line.jsonLine(encoder: encoder)) ?? Data(#"{"id":null,"error":"could not encode the result"}"#.utf8 + [UInt8(ascii: "\n")])
    }
}
