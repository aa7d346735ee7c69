import Foundation

/// The history `gvm-coordinator allocate --history FILE` reads: what the
/// coordinator's history endpoints answer, so an operator can replay an
/// allocation from a run's own records. FILE holds one answer of
/// `GET /v1/runs/{id}/iterations/{t}/prompts` (`{"prompts":[...]}`) or of
/// `GET /v1/runs/{id}/prompts/{p}/history` (`{"history":[...]}`), or a JSON
/// array of such answers, or a plain array of their records. Of each record
/// it reads `iteration`, `promptId`, `level` (absent or null for none) and the
/// `presample` and `sample` statistics; the other fields are ignored. A stage
/// may carry `gradNormCount`, the norms its `gradNormSum` adds up; the
/// coordinator's records leave it out, since every accepted sample has one.
public struct AllocateHistoryInput: Sendable, Equatable {
    public var records: [PromptIterationCounts]
    /// Each prompt's level, where a record gave one.
    public var levels: [Int: Int]

    struct Stage: Decodable {
        var samples: Int
        var accepted: Int
        var gradNormSum: Double
        var gradNormCount: Int?
    }

    struct Record: Decodable {
        var iteration: Int
        var promptId: Int
        var level: Int?
        var presample: Stage
        var sample: Stage
    }

    /// An answer of either endpoint, or a bare record.
    enum Element: Decodable {
        case answer([Record])
        case record(Record)

        enum Keys: String, CodingKey { case prompts, history }

        init(from decoder: any Decoder) throws {
            let keyed = try decoder.container(keyedBy: Keys.self)
            if let records = try keyed.decodeIfPresent([Record].self, forKey: .prompts)
                ?? keyed.decodeIfPresent([Record].self, forKey: .history)
            {
                self = .answer(records)
            } else {
                self = .record(try Record(from: decoder))
            }
        }

        var records: [Record] {
            switch self {
            case .answer(let records): records
            case .record(let record): [record]
            }
        }
    }

    enum Document: Decodable {
        case one(Element)
        case many([Element])

        init(from decoder: any Decoder) throws {
            if var list = try? decoder.unkeyedContainer() {
                var elements: [Element] = []
                while !list.isAtEnd { elements.append(try list.decode(Element.self)) }
                self = .many(elements)
            } else {
                self = .one(try Element(from: decoder))
            }
        }

        var records: [Record] {
            switch self {
            case .one(let element): element.records
            case .many(let elements): elements.flatMap(\.records)
            }
        }
    }

    public init(records: [PromptIterationCounts], levels: [Int: Int]) {
        self.records = records
        self.levels = levels
    }

    /// Every failure names its field, as `history[i].<field>` for a record.
    public init(json: Data) throws(FieldError) {
        let decoded = try JSONInput.decode(Document.self, from: json).records
        var records: [PromptIterationCounts] = []
        var levels: [Int: Int] = [:]
        for (index, record) in decoded.enumerated() {
            let field = "history[\(index)]"
            guard record.iteration >= 0 else {
                throw FieldError(field: "\(field).iteration", problem: "must be a whole number >= 0, got \(record.iteration)")
            }
            guard record.promptId >= 0 else {
                throw FieldError(field: "\(field).promptId", problem: "must be a whole number >= 0, got \(record.promptId)")
            }
            if let level = record.level {
                if let earlier = levels[record.promptId], earlier != level {
                    throw FieldError(
                        field: "\(field).level", problem: "is \(level), but an earlier record gave prompt \(record.promptId) level \(earlier)")
                }
                levels[record.promptId] = level
            }
            for (name, stage) in [("presample", record.presample), ("sample", record.sample)] {
                guard stage.samples >= 0, stage.accepted >= 0, stage.accepted <= stage.samples else {
                    throw FieldError(
                        field: "\(field).\(name).accepted",
                        problem: "must be a whole number from 0 to samples (\(stage.samples)), got \(stage.accepted)")
                }
                let counts = PromptIterationCounts(
                    iteration: record.iteration, promptId: record.promptId, correct: stage.accepted,
                    wrong: stage.samples - stage.accepted, normSum: stage.gradNormSum,
                    normCount: stage.gradNormCount ?? stage.accepted)
                do {
                    try counts.validate()
                } catch {
                    let key = ["normSum": "gradNormSum", "normCount": "gradNormCount"][error.field] ?? error.field
                    throw FieldError(field: "\(field).\(name).\(key)", problem: error.problem)
                }
                records.append(counts)
            }
        }
        self.init(records: records, levels: levels)
    }
}
