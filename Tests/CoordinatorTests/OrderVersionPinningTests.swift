import Foundation
import Shared
import Testing
@testable import Coordinator

/// The prompt order and the trainer's minibatch order of one seed, written
/// out for both order versions. Version 0 is the standard library's shuffle
/// as the toolchain that built gvm 0.1.0 drew it: if a new toolchain fails
/// here, version-0 runs would resume with other prompts and minibatches.
/// Version 1 is gvm's own and must never change.
@Suite("Order versions, pinned")
struct OrderVersionPinningTests {
    @Test("promptOrder(count: 100, runSeed: 1) begins the same way for each version")
    func promptOrder() {
        let standard = RunDeterminism.promptOrder(count: 100, runSeed: 1, orderVersion: .standardLibrary)
        let own = RunDeterminism.promptOrder(count: 100, runSeed: 1, orderVersion: .fisherYates)
        #expect(Array(standard.prefix(16)) == [32, 40, 48, 87, 71, 31, 23, 84, 22, 68, 5, 57, 45, 7, 89, 43])
        #expect(Array(own.prefix(16)) == [90, 88, 39, 33, 80, 45, 5, 15, 26, 52, 20, 57, 28, 91, 6, 48])
        #expect(standard.sorted() == Array(0..<100) && own.sorted() == Array(0..<100))
        #expect(RunDeterminism.promptOrder(count: 100, runSeed: 1) == own, "new runs use version 1")
    }

    @Test("a run's batches follow its version's order", arguments: OrderVersion.allCases)
    func batches(version: OrderVersion) {
        let configuration = RunConfiguration(dataset: "d", model: "m", promptsPerIteration: 7, seed: 1)
        let order = RunDeterminism.promptOrder(count: 100, runSeed: 1, orderVersion: version)
        for iteration in 0..<3 {
            #expect(
                IterationPlanner.batch(iteration: iteration, configuration: configuration, orderVersion: version, datasetSize: 100)
                    == Array(order[(7 * iteration)..<(7 * iteration + 7)]))
        }
    }

    /// Nine training sequences, minibatches of 4, run seed 7, iteration 0.
    static func minibatches(_ version: OrderVersion, epochs: Int? = nil) throws -> [[Int]] {
        var inputs = try BuiltinTrainingTests.inputs(try BuiltinTrainingTests.model())
        inputs.builtin.stepsPerIteration = epochs == nil ? 4 : nil
        inputs.builtin.epochsPerIteration = epochs
        let session = try TrainingSession(inputs: inputs, orderVersion: version)
        #expect(session.trainingSet.sequences.count == 9)
        return (0..<session.steps).map { _ in session.nextMinibatch() }
    }

    @Test("the trainer's minibatches of run seed 7, iteration 0 are the same for each version")
    func minibatchOrder() throws {
        // stepsPerIteration 4: distinct sequences, across the epoch's end too.
        #expect(try Self.minibatches(.standardLibrary) == [[6, 4, 3, 2], [7, 1, 5, 0], [8, 0, 7, 4], [6, 5, 2, 3]])
        #expect(try Self.minibatches(.fisherYates) == [[3, 0, 6, 2], [7, 1, 5, 4], [8, 2, 1, 0], [5, 6, 7, 4]])
        // epochsPerIteration 2: two shuffled epochs end to end, cut in fours.
        #expect(try Self.minibatches(.standardLibrary, epochs: 2) == [[6, 4, 3, 2], [7, 1, 5, 0], [8, 0, 7, 4], [6, 5, 2, 3], [1, 8]])
        #expect(try Self.minibatches(.fisherYates, epochs: 2) == [[3, 0, 6, 2], [7, 1, 5, 4], [8, 8, 2, 1], [0, 5, 6, 7], [4, 3]])
    }
}
