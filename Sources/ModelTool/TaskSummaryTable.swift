import Policy

/// What `gvm-model tasks` wrote: tasks per level in each file and the
/// longest sequence (prompt + solution + end of text) of each level.
struct TaskSummaryTable {
    let levels: [Int]
    let train: [ArithmeticTask]
    let test: [ArithmeticTask]

    var text: String {
        var rows = [["level", "train", "test", "longest", "problems"]]
        for level in levels {
            let ofLevel = (train + test).filter { $0.level == level }
            rows.append([
                String(level),
                String(train.count { $0.level == level }),
                String(test.count { $0.level == level }),
                String(ofLevel.map(\.sequenceLength).max() ?? 0),
                ArithmeticTasks.summary(ofLevel: level) ?? "",
            ])
        }
        let longest = (train + test).map(\.sequenceLength).max() ?? 0
        rows.append(["all", String(train.count), String(test.count), String(longest), ""])

        let widths = (0..<4).map { column in rows.map { $0[column].count }.max()! }
        var text = ""
        for row in rows {
            // Counts right-aligned under their headings; the description last.
            let cells = (0..<4).map { String(repeating: " ", count: widths[$0] - row[$0].count) + row[$0] }
            text += (cells + [row[4]]).joined(separator: "  ").trimmingTrailingSpaces() + "\n"
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
