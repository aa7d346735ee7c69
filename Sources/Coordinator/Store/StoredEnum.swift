import GRDB
import Shared

/// An enum kept in a TEXT column by its raw value. GRDB reads and writes
/// it through `RawRepresentable` (its README, "Swift Enums"), so SQL
/// arguments take the cases themselves. Rows are decoded with
/// `Row.stored(_:table:row:)`, never with GRDB's subscript, which stops the
/// process on a value no case has.
protocol StoredEnum: DatabaseValueConvertible, RawRepresentable, CaseIterable, Sendable where RawValue == String {}

extension StoredEnum {
    /// Every value this gvm writes, for the messages that refuse another.
    static var knownValues: [String] { allCases.map(\.rawValue) }
}

// The enums of Shared that the store keeps; Shared itself knows nothing of SQLite.
extension RunState: StoredEnum {}
extension IterationStage: StoredEnum {}
extension SamplingStage: StoredEnum {}
extension ReleaseKind: StoredEnum {}
extension FinishReason: StoredEnum {}
extension HistoryFlag: StoredEnum {}
extension SampleRounds.Stop: StoredEnum {}

extension DatasetRowState: StoredEnum {}
