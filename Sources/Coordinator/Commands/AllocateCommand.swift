import ArgumentParser
import Foundation
import Shared

/// `gvm-coordinator allocate`: one allocation from a JSON document on stdin,
/// through the same strategy code the coordinator uses for its iterations.
struct AllocateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allocate",
        abstract: "Allocate a sample budget over prompts.",
        discussion: """
            Reads one JSON object on stdin with budget and strategy (gvm, the default, uniform, \
            knapsack or variance), and optionally alpha, beta, filterThreshold, filterInsufficient, \
            maxSamplesPerPrompt (a whole number; 0, the default, means no cap) and knapsackFloor \
            (default 2). Without --history it needs gradNorms and acceptRates, and takes solved and \
            hopeless (arrays of true and false). With --history FILE (what the history endpoints \
            answer), p_i and G_i come from the history: the object then needs iteration and \
            promptIds (dataset positions, in batch order), and takes algorithm (raft or grpo; the \
            window's flags apply under grpo), presamples (N', default 8), decay, priorStrength, \
            sigmaMax, historyWindow, solvedMinSamples and hopelessMinSamples. Unknown keys are \
            refused. Prints {"counts":[...],"ratios":[...],"unallocated":U}, where U is the part \
            of the budget the cap leaves unallocated, and with --history the estimates under "history".
            """
    )

    @Option(name: .long, help: "A history file: the records the history endpoints answer.")
    var history: String?

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        do {
            let historyInput = try history.map { path throws -> AllocateHistoryInput in
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw FieldError(field: "--history", problem: "cannot read \(path)")
                }
                return try AllocateHistoryInput(json: data)
            }
            let (job, allocation) = try Self.allocate(json: input, history: historyInput)
            FileHandle.standardOutput.write(Data(try AllocateOutput.json(
                allocation, estimates: job.estimates, presamples: job.presamples)))
        } catch {
            FileHandle.standardError.write(Data("gvm-coordinator allocate: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Reads, validates and allocates; every failure names its field.
    static func allocate(json: Data, history: AllocateHistoryInput? = nil) throws -> (AllocateInput.Job, Allocation) {
        let job = try AllocateInput(json: json).resolved(history: history)
        return (job, try job.strategy.strategy.allocate(job.request))
    }
}
