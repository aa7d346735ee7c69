import Policy

/// What `gvm-model tasks` wrote: tasks per level in each file and the
/// longest sequence (prompt + solution + end of text) of each level.
struct TaskSummaryTable {
    let levels: [Int]
    let splits: TaskSplits
    /// pool.jsonl's tasks, when one was written.
    let pool: [ArithmeticTask]?

    var text: String {
        var files: [(name: String, tasks: [ArithmeticTask])] = [
            ("train", splits.train), ("validation", splits.validation), ("test", splits.test),
        ]
        if let pool { files.append(("pool", pool)) }
        let every = files.flatMap(\.tasks)
        var rows = [["level"] + files.map(\.name) + ["longest", "problems"]]
        for level in levels {
            rows.append(
                [String(level)] + files.map { String($0.tasks.count { $0.level == level }) }
                    + [String(every.filter { $0.level == level }.map(\.sequenceLength).max() ?? 0),
                       ArithmeticTasks.summary(ofLevel: level) ?? ""])
        }
        let longest = every.map(\.sequenceLength).max() ?? 0
        rows.append(["all"] + files.map { String($0.tasks.count) } + [String(longest), ""])

        let counted = rows[0].count - 1
        let widths = (0..<counted).map { column in rows.map { $0[column].count }.max()! }
        var text = ""
        for row in rows {
            // Counts right-aligned under their headings; the description last.
            let cells = (0..<counted).map { String(repeating: " ", count: widths[$0] - row[$0].count) + row[$0] }
            text += (cells + [row[counted]]).joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }
        text += "longest sequence: \(longest) characters with prompt and end of text (context bound \(ArithmeticTasks.maximumSequenceLength))\n"
        return text
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
