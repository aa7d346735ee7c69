/// One prompt of a built-in run's test set, with its gold answer.
struct TestPrompt: Sendable, Equatable {
    var problem: String
    var answer: String
    var level: Int?
}
