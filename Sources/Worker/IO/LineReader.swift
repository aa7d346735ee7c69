import Foundation

/// Reads a file descriptor line by line in large blocks, so that megabyte
/// lines and millions of short ones both cost one `read` per block.
final class LineReader {
    private let fileDescriptor: Int32
    private var buffer = [UInt8]()
    private var start = 0
    private var atEnd = false
    private let blockSize = 1 << 20

    init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// The next line without its newline, or nil at the end of input.
    func next() -> Data? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(buffer[start..<newline])
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = Data(buffer[start...])
                start = buffer.count
                return line
            }
            fill()
        }
    }

    private func fill() {
        buffer.removeSubrange(0..<start)
        start = 0
        let previous = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: blockSize))
        let count = buffer.withUnsafeMutableBytes { bytes in
            read(fileDescriptor, bytes.baseAddress! + previous, blockSize)
        }
        buffer.removeSubrange((previous + max(count, 0))...)
        if count <= 0 { atEnd = true }
    }
}
