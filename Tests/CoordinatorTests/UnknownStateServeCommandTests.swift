import Foundation
import Testing
import TestSupport
@testable import Coordinator

/// The real `gvm-coordinator serve` on a file with a state it does not know.
@Suite("gvm-coordinator serve on an unknown state")
struct UnknownStateServeCommandTests {
    @Test("it refuses to start: a non-zero exit, and stderr names table, column, value and first row")
    func refusesToStart() async throws {
        let path = try await UnknownStateRefusalTests.filledStore().harness.path
        let row = try UnknownStateRefusalTests.writeUnknownValue(path: path, table: "lease", column: "state")

        let coordinator = try RunningProcess(.coordinator, ["serve", "--db", path, "--port", "0"])
        // Were the file taken, the server would run until killed here.
        let status = await coordinator.waitForExit(timeout: .seconds(60))
        #expect(status != 0)
        #expect(!coordinator.stdoutText.contains("listening on"), "\(coordinator.stdoutText)")
        let stderr = coordinator.stderrText
        #expect(stderr.contains(#"table lease, column state: unknown value "bogus" in row \#(row)"#), "\(stderr)")
        #expect(row.description.hasPrefix(#"id ""#), "a lease is named by its id: \(row)")
    }
}
