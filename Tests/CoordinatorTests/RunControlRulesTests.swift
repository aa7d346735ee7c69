import Shared
import Testing
@testable import Coordinator

/// Pause, resume, cancel and advance, decided by `RunControlRules` alone,
/// with no database; refusals keep the wire's words.
@Suite("Run control transitions")
struct RunControlRulesTests {
    static func run(_ state: RunState, iteration: Int = 2) -> RunControlRules {
        RunControlRules(runId: 7, state: state, currentIteration: iteration)
    }

    @Test("pause: an active or waiting run is paused; leases out may still finish", arguments: [RunState.active, .waiting])
    func pause(state: RunState) {
        #expect(Self.run(state).decide(.pause) == .transition(to: .paused, effect: .none))
    }

    @Test("pause: any other run is refused", arguments: [RunState.paused, .cancelled, .completed])
    func pauseRefused(state: RunState) {
        #expect(
            Self.run(state).decide(.pause)
                == .refuse("run 7 is \(state.rawValue); only an active or waiting run can be paused"))
    }

    @Test("resume: a paused run is active again, and an iteration done meanwhile moves on")
    func resume() {
        #expect(Self.run(.paused).decide(.resume) == .transition(to: .active, effect: .finishIterationIfDone))
    }

    @Test("resume: any other run is refused", arguments: [RunState.active, .waiting, .cancelled, .completed])
    func resumeRefused(state: RunState) {
        #expect(Self.run(state).decide(.resume) == .refuse("run 7 is \(state.rawValue); only a paused run can be resumed"))
    }

    @Test("cancel: a run not yet ended is cancelled, with its leases and work", arguments: [RunState.active, .waiting, .paused])
    func cancel(state: RunState) {
        #expect(Self.run(state).decide(.cancel) == .transition(to: .cancelled, effect: .endLeasesAndWork))
    }

    @Test("cancel: a cancelled or completed run is refused", arguments: [RunState.cancelled, .completed])
    func cancelRefused(state: RunState) {
        #expect(Self.run(state).decide(.cancel) == .refuse("run 7 is already \(state.rawValue)"))
    }

    @Test("advance: a waiting run takes the new version and starts its next iteration")
    func advance() {
        #expect(
            Self.run(.waiting).decide(.advance(modelVersion: "v3", iterationStage: .done))
                == .transition(to: .active, effect: .startIteration(3, modelVersion: "v3")))
    }

    @Test("advance: refused while the active run's iteration is not done")
    func advanceBeforeDone() {
        #expect(
            Self.run(.active).decide(.advance(modelVersion: "v3", iterationStage: .sample))
                == .refuse("iteration 2 of run 7 is in stage sample; advance is accepted once it is done"))
    }

    @Test("advance: refused for an active run with a done iteration, which advances by itself")
    func advanceAuto() {
        #expect(
            Self.run(.active).decide(.advance(modelVersion: "v3", iterationStage: .done))
                == .refuse("run 7 advances by itself (advance: auto)"))
    }

    @Test("advance: refused for a paused, cancelled or completed run", arguments: [RunState.paused, .cancelled, .completed])
    func advanceRefused(state: RunState) {
        #expect(
            Self.run(state).decide(.advance(modelVersion: "v3", iterationStage: .done))
                == .refuse("run 7 is \(state.rawValue) and cannot advance"))
    }
}
