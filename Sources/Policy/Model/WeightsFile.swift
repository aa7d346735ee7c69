import Foundation

/// The built-in model's weights file: a fixed header, then the parameters in
/// ParameterTensors order as little-endian float32.
///
///     offset  size  field
///          0     8  magic 89 'G' 'V' 'M' 'W' 0D 0A 1A (PNG-style: a text-mode
///                   transfer or a truncated first line changes it)
///          8     4  format version (UInt32), currently 1
///         12    20  vocabSize, contextLength, width, layers, heads (UInt32 each)
///         32     8  model version (UInt64), chosen by the trainer
///         40     8  parameter count (UInt64), must match the configuration
///         48     4  CRC-32 (IEEE) of bytes 0..<48 followed by the parameters
///         52     4  reserved, 0
///         56        parameters
///
/// All integers are little-endian.
public enum WeightsFile {
    public static let formatVersion: UInt32 = 1
    public static let magic: [UInt8] = [0x89, 0x47, 0x56, 0x4D, 0x57, 0x0D, 0x0A, 0x1A]
    public static let headerSize = 56
    private static let checksumOffset = 48

    /// What a weights file holds.
    public struct Contents: Sendable, Equatable {
        public var config: TransformerConfig
        public var modelVersion: UInt64
        public var parameters: [Float]

        public init(config: TransformerConfig, modelVersion: UInt64, parameters: [Float]) {
            self.config = config
            self.modelVersion = modelVersion
            self.parameters = parameters
        }
    }

    // MARK: - Bytes

    public static func encode(_ model: TransformerModel, version: UInt64) -> [UInt8] {
        encode(Contents(config: model.config, modelVersion: version, parameters: model.parameterValues()))
    }

    public static func encode(_ contents: Contents) -> [UInt8] {
        let config = contents.config
        precondition(contents.parameters.count == config.parameterCount,
                     "\(contents.parameters.count) parameters for a configuration of \(config.parameterCount)")
        var bytes = [UInt8](repeating: 0, count: headerSize + 4 * contents.parameters.count)
        bytes.withUnsafeMutableBytes { raw in
            for i in 0..<magic.count { raw[i] = magic[i] }
            raw.storeBytes(of: formatVersion.littleEndian, toByteOffset: 8, as: UInt32.self)
            let shape = [config.vocabSize, config.contextLength, config.width, config.layers, config.heads]
            for (i, value) in shape.enumerated() {
                raw.storeBytes(of: UInt32(value).littleEndian, toByteOffset: 12 + 4 * i, as: UInt32.self)
            }
            raw.storeBytes(of: contents.modelVersion.littleEndian, toByteOffset: 32, as: UInt64.self)
            raw.storeBytes(of: UInt64(contents.parameters.count).littleEndian, toByteOffset: 40, as: UInt64.self)
            for (i, value) in contents.parameters.enumerated() {
                raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: headerSize + 4 * i, as: UInt32.self)
            }
            raw.storeBytes(of: checksum(UnsafeRawBufferPointer(raw)).littleEndian, toByteOffset: checksumOffset, as: UInt32.self)
        }
        return bytes
    }

    /// Reads and checks a weights file's bytes: magic, format version,
    /// configuration, parameter count, size and checksum, in that order.
    public static func decode(_ bytes: [UInt8]) throws(WeightsFileError) -> Contents {
        let result: Result<Contents, WeightsFileError> = bytes.withUnsafeBytes { raw in
            do throws(WeightsFileError) { return .success(try decode(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private static func decode(_ raw: UnsafeRawBufferPointer) throws(WeightsFileError) -> Contents {
        let magicLength = min(raw.count, magic.count)
        guard raw.prefix(magicLength).elementsEqual(magic.prefix(magicLength)) else { throw .badMagic }
        guard raw.count >= headerSize else { throw .truncated(expectedBytes: headerSize, actualBytes: raw.count) }
        func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        func u64(_ offset: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }

        let version = u32(8)
        guard version == formatVersion else { throw .unsupportedFormatVersion(found: version, supported: formatVersion) }
        let config = TransformerConfig(
            vocabSize: Int(u32(12)), contextLength: Int(u32(16)), width: Int(u32(20)),
            layers: Int(u32(24)), heads: Int(u32(28)))
        do { try config.validate() } catch { throw .invalidConfiguration(error.description) }
        let modelVersion = u64(32)
        let storedCount = u64(40)
        let expectedCount = config.parameterCount
        guard storedCount == UInt64(expectedCount) else {
            throw .parameterCountMismatch(stored: storedCount, expected: expectedCount)
        }
        let expectedBytes = headerSize + 4 * expectedCount
        guard raw.count >= expectedBytes else { throw .truncated(expectedBytes: expectedBytes, actualBytes: raw.count) }
        guard raw.count == expectedBytes else { throw .trailingBytes(expectedBytes: expectedBytes, actualBytes: raw.count) }
        let stored = u32(checksumOffset)
        let computed = checksum(raw)
        guard stored == computed else { throw .checksumMismatch(stored: stored, computed: computed) }

        let parameters = [Float](unsafeUninitializedCapacity: expectedCount) { buffer, initialized in
            for i in 0..<expectedCount {
                buffer[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: headerSize + 4 * i, as: UInt32.self)))
            }
            initialized = expectedCount
        }
        return Contents(config: config, modelVersion: modelVersion, parameters: parameters)
    }

    /// CRC-32 of the header before the checksum field and of the parameters.
    private static func checksum(_ raw: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32()
        crc.update(UnsafeRawBufferPointer(rebasing: raw[0..<checksumOffset]))
        crc.update(UnsafeRawBufferPointer(rebasing: raw[headerSize...]))
        return crc.value
    }

    // MARK: - Files

    /// Writes the model's weights to `url` atomically: a temporary file in
    /// the same directory, then a rename, so readers never see half a file.
    public static func write(_ model: TransformerModel, version: UInt64, to url: URL) throws(WeightsFileError) {
        try write(encode(model, version: version), to: url)
    }

    public static func write(_ contents: Contents, to url: URL) throws(WeightsFileError) {
        try write(encode(contents), to: url)
    }

    private static func write(_ bytes: [UInt8], to url: URL) throws(WeightsFileError) {
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw .io(path: url.path, message: "cannot write: \(error.localizedDescription)")
        }
    }

    public static func read(from url: URL) throws(WeightsFileError) -> Contents {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .io(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        do {
            return try decode([UInt8](data))
        } catch {
            throw .invalidFile(path: url.path, reason: error)
        }
    }

    /// Loads a weights file into an existing model of the same configuration
    /// and returns the file's model version.
    @discardableResult
    public static func load(_ contents: Contents, into model: TransformerModel) throws(WeightsFileError) -> UInt64 {
        guard contents.config == model.config else {
            throw .configurationMismatch(file: contents.config, model: model.config)
        }
        model.loadParameters(contents.parameters)
        return contents.modelVersion
    }
}

extension TransformerModel {
    /// A model built from a weights file's configuration and parameters.
    public convenience init(weights contents: WeightsFile.Contents, maxBatch: Int = 16) throws(WeightsFileError) {
        do {
            try self.init(config: contents.config, seed: 0, maxBatch: maxBatch)
        } catch {
            throw .invalidConfiguration(error.description)
        }
        try WeightsFile.load(contents, into: self)
    }
}

/// Why a weights file was refused.
public indirect enum WeightsFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case badMagic
    case truncated(expectedBytes: Int, actualBytes: Int)
    case unsupportedFormatVersion(found: UInt32, supported: UInt32)
    case invalidConfiguration(String)
    case parameterCountMismatch(stored: UInt64, expected: Int)
    case trailingBytes(expectedBytes: Int, actualBytes: Int)
    case checksumMismatch(stored: UInt32, computed: UInt32)
    case configurationMismatch(file: TransformerConfig, model: TransformerConfig)
    case io(path: String, message: String)
    /// A file whose contents were refused, with the reason.
    case invalidFile(path: String, reason: WeightsFileError)

    public var description: String {
        switch self {
        case .badMagic:
            "not a gvm weights file (bad magic bytes)"
        case .truncated(let expected, let actual):
            "weights file truncated: \(actual) bytes, expected \(expected)"
        case .unsupportedFormatVersion(let found, let supported):
            "unsupported weights format version \(found) (this build reads version \(supported))"
        case .invalidConfiguration(let problem):
            "weights file holds an invalid \(problem)"
        case .parameterCountMismatch(let stored, let expected):
            "weights file declares \(stored) parameters but its configuration has \(expected)"
        case .trailingBytes(let expected, let actual):
            "weights file has \(actual - expected) unexpected bytes after the parameters (\(actual) bytes, expected \(expected))"
        case .checksumMismatch(let stored, let computed):
            "weights file checksum mismatch: stored \(hex(stored)), computed \(hex(computed)); the file is corrupted"
        case .configurationMismatch(let file, let model):
            "weights file is for \(shape(file)), the model is \(shape(model))"
        case .io(let path, let message):
            "\(path): \(message)"
        case .invalidFile(let path, let reason):
            "\(path): \(reason.description)"
        }
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: false) }

    private func shape(_ c: TransformerConfig) -> String {
        "vocabSize \(c.vocabSize), contextLength \(c.contextLength), width \(c.width), layers \(c.layers), heads \(c.heads)"
    }
}
