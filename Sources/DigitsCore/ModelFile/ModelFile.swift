import Foundation

// The model file, version 6. All integers little-endian; u32 unless marked; f32 is IEEE 754 binary32.
//
//   offset  size      field
//   0       8         signature 89 44 47 54 0D 0A 1A 0A ("\x89DGT\r\n\x1A\n": catches text-mode transfers, as PNG's)
//   8       4         format version, 6
//   12      1         the network's kind: 1 = dense layers, 2 = layers of any kind                            [v4]
//                     then, for dense layers:
//   …       4         N, the number of levels, input layer included (2...16)
//   …       4·N       neurons per level, input first (each 1...1,048,576)
//   …       N − 1     per layer, one byte: activation in bits 0–6 (1 = sigmoid, 2 = identity, 3 = ReLU,
//                     4 = softmax, last layer only); bit 7 set when the layer has no biases (they are then stored as 0)
//                     or, for layers of any kind:                                                           [v4]
//   …       4         T, the length of the architecture's text (1...4,096)
//   …       T         the architecture in the notation of `Architecture`, ASCII, e.g. 1x28x28-20C5-MP2-100N-10N:
//                     the input's shape, then each layer's kind and size, from which every shape follows
//   …       1         the activation after each convolution and hidden dense layer (codes as above)
//   …       1         the activation of the output layer
//                     then, for both:
//   …       1         cost, one byte: 1 = quadratic, ½‖a − y‖²; 2 = cross-entropy
//   …       1         initialisation, one byte: 1 = N(0, 1); 2 = N(0, 1/n_in) weights; 3 = He, N(0, 2/n_in)   [v2]
//   …       8 (u64)   seed
//   …       4         starts: initial networks drawn, the best after the first epoch going on (1...100)   [v3]
//   …       4         epochs asked for
//   …       4         epochs run
//   …       4         best epoch (its weights are the ones stored), from 1
//   …       4         mini-batch size
//   …       4 (f32)   learning rate η at the start
//   …       4 (f32)   L2 regularisation λ                                                                   [v2]
//   …       4 (f32)   momentum μ                                                                            [v2]
//   …       4         patience in epochs, 0 when η stays constant and training runs every epoch            [v2]
//   …       4         halvings of η the patience rule may make before it stops training                    [v2]
//   …       20 (f32)  augmentation: shift (px), rotation (°), scale (fraction), elastic α (px), σ (px)       [v2]
//   …       4         pieces that are not one digit added to the training images (`NotDigits`)             [v5]
//   …       4         digits cut from touching pairs added to the training images (`DigitsInContext`)      [v6]
//   …       4         training images
//   …       4         validation images (held out after the training images; 0 for none)
//   …       4         test images classified correctly by the stored weights
//   …       4         test images (0 when not measured)
//   …       8 (i64)   saved at, seconds since 1970-01-01 UTC
//   …       4         flags: bit 0 = training was interrupted, bit 1 = stopped early [v2]; other bits 0
//   …       4         H, the number of epochs in the validation history (equals epochs run)
//   …       4·H       validation images classified correctly after each epoch
//   …       4·H (f32) η of each epoch                                                                       [v2]
//   …                 dense layers: for each layer in order, W, row-major (outputs × inputs) f32, then b (outputs) f32;
//                     layers of any kind: every parameter f32, layer after layer, each laid out as its kind's file
//                     in Sources/DigitsCore/Layers documents (a convolution's kernels, then its biases; a dense
//                     layer's W row-major, then b; a batch normalisation's γ, β, then the population's μ and σ²,
//                     each per channel); the architecture says how many
//   end−4   4         CRC-32 (zlib's) of every byte before it
//
// Version 5 is version 6 without the field marked [v6], and version 4 is version 5 without the field marked [v5];
// each loads as no such pieces. Version 3 is version 4
// without the fields marked [v4]: always dense layers. Version 2 is version 3 without the
// field marked [v3]; it loads as one start. Version 1 is version 2 without the fields marked [v2]; it loads as
// N(0, 1), λ = μ = 0, no patience rule, no augmentation, η constant. A reader checks every field, that the file is
// exactly as long as its header implies, and the checksum.

public enum ModelFile {
    public static let version: UInt32 = 6
    static let readableVersions: ClosedRange<UInt32> = 1...6
    static let signature: [UInt8] = [0x89, 0x44, 0x47, 0x54, 0x0D, 0x0A, 0x1A, 0x0A]
    static let maximumLevels = 16
    static let maximumLayerSize = 1 << 20
    public static let maximumStarts = 100
    /// At most this many pieces of each kind are made for training (`--not-digits`, `--digits-in-context`).
    public static let maximumPieces = 1_000_000
    /// Refuse larger files before reading them: 1 GiB holds 268 million weights.
    public static let maximumFileSize = 1 << 30

    static let noBiasesFlag: UInt8 = 0x80
    static let maximumArchitectureLength = 4_096

    /// The first byte of a version 4 network.
    enum Kind: UInt8 {
        case dense = 1, layered = 2
    }

    // MARK: Writing

    /// The bytes of `model` in the current format.
    public static func encode(_ model: TrainedModel) -> [UInt8] {
        let record = model.record
        let settings = record.settings
        var out = ByteWriter()
        out.bytes += signature
        out.u32(version)
        switch model.network {
        case .dense(let network):
            out.bytes.append(Kind.dense.rawValue)
            out.u32(UInt32(network.sizes.count))
            for size in network.sizes { out.u32(UInt32(size)) }
            for layer in network.layers {
                out.bytes.append(layer.activation.rawValue | (layer.hasBiases ? 0 : noBiasesFlag))
            }
        case .layered(let stack):
            out.bytes.append(Kind.layered.rawValue)
            let text = Array(stack.architecture.description.utf8)
            out.u32(UInt32(text.count))
            out.bytes += text
            out.bytes += [stack.hiddenActivation.rawValue, stack.outputActivation.rawValue]
        }
        out.bytes += [settings.cost.rawValue, settings.initialization.rawValue]
        out.u64(settings.seed)
        out.u32(UInt32(settings.starts))
        for value in [settings.epochs, record.epochsRun, record.bestEpoch, settings.batchSize] { out.u32(UInt32(value)) }
        for value in [settings.learningRate, settings.l2, settings.momentum] { out.f32(value) }
        out.u32(UInt32(settings.patience?.epochs ?? 0))
        out.u32(UInt32(settings.patience?.halvings ?? 0))
        let augmentation = settings.augmentation
        for value in [augmentation.shift, augmentation.rotation, augmentation.scale, augmentation.elasticAlpha,
                      augmentation.elasticSigma] {
            out.f32(value)
        }
        out.u32(UInt32(settings.notDigits))
        out.u32(UInt32(settings.digitsInContext))
        for value in [record.trainingCount, record.validationCount, record.testCorrect, record.testTotal] {
            out.u32(UInt32(value))
        }
        out.u64(UInt64(bitPattern: Int64(record.trainedAt.timeIntervalSince1970)))
        out.u32((record.interrupted ? 1 : 0) | (record.stoppedEarly ? 2 : 0))
        out.u32(UInt32(record.validationHistory.count))
        for correct in record.validationHistory { out.u32(UInt32(correct)) }
        for eta in record.learningRates { out.f32(eta) }
        switch model.network {
        case .dense(let network):
            for layer in network.layers {
                for value in layer.rowMajorWeights + layer.biases { out.f32(value) }
            }
        case .layered(let stack):
            for value in stack.parameters { out.f32(value) }
        }
        out.u32(out.bytes.withUnsafeBytes { crc32($0) })
        return out.bytes
    }

    /// Writes `model` to `path` atomically (see `AtomicFile`): a crash at any moment leaves either the old file or
    /// the new one, never a mix.
    /// A read-only file at `path` (or at the end of a symbolic link there) is replaced only when
    /// `replacingReadOnly`; a replaced file keeps its permissions.
    public static func write(_ model: TrainedModel, to path: String, replacingReadOnly: Bool = false) throws {
        try refuseReadOnly(path, unless: replacingReadOnly)
        try AtomicFile.write(encode(model), to: path)
    }

    /// Throws unless a model could be written to `path` now: its folder exists and is writable, `path` is not a
    /// folder, and it is not a read-only file (unless `replacingReadOnly`). Checked before training, so that a
    /// long run does not end in a failed save.
    public static func checkWritable(_ path: String, replacingReadOnly: Bool = false) throws {
        try refuseReadOnly(path, unless: replacingReadOnly)
        try AtomicFile.checkWritable(path)
    }

    private static func refuseReadOnly(_ path: String, unless replacing: Bool) throws {
        if !replacing && AtomicFile.isReadOnly(path) { throw FileError(path: path, problem: .readOnly) }
    }

    // MARK: Reading

    /// Reads and checks the model file at `path`.
    public static func read(from path: String) throws -> TrainedModel {
        // A file of another kind is refused from its first bytes, not after reading up to a gigabyte of it.
        let contents = try FileError.contents(of: path, limit: maximumFileSize, prefix: signature.count) { prefix in
            guard prefix == signature else { throw ModelFileError(path: path, problem: .notAModelFile) }
        }
        let bytes = [UInt8](contents)
        switch Result(catching: { () throws(ModelFileError.Problem) in try decode(bytes) }) {
        case .success(let model): return model
        case .failure(let problem): throw ModelFileError(path: path, problem: problem)
        }
    }

    /// Reads the model at `path` and checks that its network takes `inputs` values and gives `outputs`.
    public static func read(from path: String, inputs: Int, outputs: Int) throws -> TrainedModel {
        let model = try read(from: path)
        let network = model.network
        guard network.inputCount == inputs, network.outputCount == outputs else {
            throw ModelFileError(path: path, problem: .invalid(
                "it maps \(network.inputCount) inputs to \(network.outputCount) outputs; digits needs \(inputs) to \(outputs)"))
        }
        return model
    }

    /// Decodes the bytes of a model file of any readable version; errors are `ModelFileError.Problem`s.
    public static func decode(_ bytes: [UInt8]) throws(ModelFileError.Problem) -> TrainedModel {
        var input = ByteReader(bytes: bytes)
        guard bytes.count >= signature.count, Array(bytes[0..<signature.count]) == signature else {
            throw .notAModelFile
        }
        input.offset = signature.count
        let fileVersion = try input.u32()
        guard readableVersions.contains(fileVersion) else { throw .unsupportedVersion(fileVersion) }
        let (v2, v3, v5, v6) = (fileVersion >= 2, fileVersion >= 3, fileVersion >= 5, fileVersion >= 6)

        let kind = fileVersion >= 4 ? try input.u8() : Kind.dense.rawValue
        let shape: NetworkShape
        switch Kind(rawValue: kind) {
        case .dense: shape = try denseShape(&input)
        case .layered: shape = try layeredShape(&input)
        case nil: throw .invalid("unknown network kind \(kind)")
        }
        let costID = try input.u8()
        guard let cost = Cost(rawValue: costID) else { throw .invalid("unknown cost \(costID)") }
        var initialization = Network.Initialization.standardNormal
        if v2 {
            let id = try input.u8()
            guard let known = Network.Initialization(rawValue: id) else { throw .invalid("unknown initialisation \(id)") }
            initialization = known
        }

        let seed = try input.u64()
        let starts = v3 ? Int(try input.u32()) : 1
        guard (1...maximumStarts).contains(starts) else { throw .invalid("\(starts) starts; expected 1 to \(maximumStarts)") }
        let epochs = Int(try input.u32())
        let epochsRun = Int(try input.u32())
        let bestEpoch = Int(try input.u32())
        let batchSize = Int(try input.u32())
        let learningRate = try input.f32()
        var (l2, momentum, patienceEpochs, halvings): (Float, Float, Int, Int) = (0, 0, 0, 0)
        var augmentation = Augmentation.none
        if v2 {
            (l2, momentum) = (try input.f32(), try input.f32())
            (patienceEpochs, halvings) = (Int(try input.u32()), Int(try input.u32()))
            augmentation = Augmentation(shift: try input.f32(), rotation: try input.f32(), scale: try input.f32(),
                                        elasticAlpha: try input.f32(), elasticSigma: try input.f32())
        }
        let notDigits = v5 ? Int(try input.u32()) : 0
        guard notDigits <= maximumPieces else { throw .invalid("\(notDigits) pieces that are not digits; at most \(maximumPieces)") }
        let digitsInContext = v6 ? Int(try input.u32()) : 0
        guard digitsInContext <= maximumPieces else {
            throw .invalid("\(digitsInContext) digits cut from touching pairs; at most \(maximumPieces)")
        }
        let trainingCount = Int(try input.u32())
        let validationCount = Int(try input.u32())
        let testCorrect = Int(try input.u32())
        let testTotal = Int(try input.u32())
        let savedAt = Int64(bitPattern: try input.u64())
        let flags = try input.u32()
        let historyCount = Int(try input.u32())
        guard historyCount == epochsRun else { throw .invalid("validation history has \(historyCount) epochs, \(epochsRun) were run") }
        var history: [Int] = []
        for _ in 0..<historyCount { history.append(Int(try input.u32())) }
        var learningRates = Array(repeating: learningRate, count: historyCount)
        if v2 {
            for e in 0..<historyCount { learningRates[e] = try input.f32() }
        }
        guard flags & ~(v2 ? 3 : 1) == 0 else { throw .invalid("unknown flags 0x\(String(flags, radix: 16))") }
        guard epochsRun <= epochs, (epochsRun == 0 ? 0...0 : 1...epochsRun).contains(bestEpoch) else {
            throw .invalid("best epoch \(bestEpoch) of \(epochsRun) run, \(epochs) asked for")
        }
        guard testCorrect <= testTotal, history.allSatisfy({ $0 <= validationCount }) else {
            throw .invalid("more correct answers than images in its accuracy figures")
        }
        guard ([learningRate, l2, momentum] + learningRates).allSatisfy(\.isFinite) else { throw .invalid("a learning rate, λ or μ is not a number") }
        guard [augmentation.shift, augmentation.rotation, augmentation.scale, augmentation.elasticAlpha].allSatisfy({ $0.isFinite && $0 >= 0 }),
              augmentation.elasticSigma > 0 && augmentation.elasticSigma <= 100 else {
            throw .invalid("augmentation settings out of range")
        }
        guard halvings <= 64, patienceEpochs > 0 || halvings == 0 else { throw .invalid("patience \(patienceEpochs) with \(halvings) halvings") }

        let network = try shape.read(&input)
        let checksumOffset = input.offset
        let stored = try input.u32()
        guard input.offset == bytes.count else { throw .trailingBytes(count: bytes.count - input.offset) }
        let computed = bytes.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[0..<checksumOffset])) }
        guard stored == computed else { throw .checksumMismatch }

        guard network.isFinite else { throw .invalid("weights include NaN or infinite values") }
        if case .layered(let stack) = network, let problem = stack.parameterProblem { throw .invalid(problem) }
        var settings = TrainingSettings(sizes: [network.inputCount, network.outputCount], epochs: epochs,
                                        batchSize: batchSize, learningRate: learningRate, seed: seed)
        switch network {
        case .dense(let dense):
            settings.sizes = dense.sizes
            settings.hiddenActivation = dense.layers.count > 1 ? dense.layers[0].activation : .sigmoid
            settings.outputActivation = dense.layers[dense.layers.count - 1].activation
        case .layered(let stack):
            settings.architecture = stack.architecture
            settings.hiddenActivation = stack.hiddenActivation
            settings.outputActivation = stack.outputActivation
        }
        settings.starts = starts
        settings.cost = cost
        settings.initialization = initialization
        settings.l2 = l2
        settings.momentum = momentum
        settings.patience = patienceEpochs > 0 ? .init(epochs: patienceEpochs, halvings: halvings) : nil
        if settings.patience == nil {
            // Without the patience rule η changes only at fixed halvings, which the recorded η of each epoch shows
            // (those scheduled after an interruption are not known).
            let rates = [learningRate] + learningRates
            settings.halvingEpochs = (1..<rates.count).filter { rates[$0] < rates[$0 - 1] }
        }
        settings.augmentation = augmentation
        settings.notDigits = notDigits
        settings.digitsInContext = digitsInContext
        let record = TrainingRecord(
            settings: settings, epochsRun: epochsRun, bestEpoch: bestEpoch, trainingCount: trainingCount,
            validationCount: validationCount, validationHistory: history, learningRates: learningRates,
            testCorrect: testCorrect, testTotal: testTotal, trainedAt: Date(timeIntervalSince1970: TimeInterval(savedAt)),
            interrupted: flags & 1 != 0, stoppedEarly: flags & 2 != 0)
        return TrainedModel(network: network, record: record)
    }

    /// What the header says of the network: enough to read its parameters.
    private enum NetworkShape {
        case dense(sizes: [Int], layers: [(activation: Network.Activation, hasBiases: Bool)])
        case layered(Architecture, hidden: Network.Activation, output: Network.Activation)

        func read(_ input: inout ByteReader) throws(ModelFileError.Problem) -> TrainedNetwork {
            switch self {
            case .dense(let sizes, let kinds):
                var layers: [Network.Layer] = []
                for (l, (inputs, outputs)) in zip(sizes, sizes.dropFirst()).enumerated() {
                    let weights = try input.f32s(inputs * outputs)
                    let biases = try input.f32s(outputs)
                    let kind = kinds[l]
                    guard kind.hasBiases || biases.allSatisfy({ $0 == 0 }) else { throw .invalid("layer \(l + 1) has no biases but stores some") }
                    layers.append(Network.Layer(inputCount: inputs, outputCount: outputs, rowMajorWeights: weights,
                                                biases: kind.hasBiases ? biases : nil, activation: kind.activation))
                }
                return .dense(Network(layers: layers))
            case .layered(let architecture, let hidden, let output):
                let parameters = try input.f32s(LayerStack.parameterCount(architecture))
                return .layered(LayerStack(architecture, hidden: hidden, output: output, parameters: parameters))
            }
        }
    }

    private static func denseShape(_ input: inout ByteReader) throws(ModelFileError.Problem) -> NetworkShape {
        let levels = Int(try input.u32())
        guard (2...maximumLevels).contains(levels) else { throw .invalid("\(levels) layers; expected 2 to \(maximumLevels)") }
        var sizes: [Int] = []
        for index in 0..<levels {
            let size = Int(try input.u32())
            guard (1...maximumLayerSize).contains(size) else {
                throw .invalid("layer \(index + 1) has \(size) neurons; expected 1 to \(maximumLayerSize)")
            }
            sizes.append(size)
        }
        var layerKinds: [(activation: Network.Activation, hasBiases: Bool)] = []
        for l in 1..<levels {
            let id = try input.u8()
            guard let activation = Network.Activation(rawValue: id & ~noBiasesFlag) else {
                throw .invalid("unknown activation \(id & ~noBiasesFlag)")
            }
            guard activation != .softmax || l == levels - 1 else { throw .invalid("softmax in layer \(l), not the output layer") }
            layerKinds.append((activation, id & noBiasesFlag == 0))
        }
        return .dense(sizes: sizes, layers: layerKinds)
    }

    private static func layeredShape(_ input: inout ByteReader) throws(ModelFileError.Problem) -> NetworkShape {
        let length = Int(try input.u32())
        guard (1...maximumArchitectureLength).contains(length) else {
            throw .invalid("architecture of \(length) characters; expected 1 to \(maximumArchitectureLength)")
        }
        let bytes = try input.bytes(length)
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else { throw .invalid("the architecture is not printable ASCII") }
        let architecture: Architecture
        do {
            architecture = try Architecture(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw .invalid("architecture \(error)")
        }
        // One spelling per architecture, so that a file re-encodes to its own bytes.
        guard architecture.description == String(decoding: bytes, as: UTF8.self) else {
            throw .invalid("architecture \(String(decoding: bytes, as: UTF8.self)) is not written as \(architecture)")
        }
        let (hiddenID, outputID) = (try input.u8(), try input.u8())
        guard let hidden = Network.Activation(rawValue: hiddenID), hidden != .softmax,
              let output = Network.Activation(rawValue: outputID) else {
            throw .invalid("activations \(hiddenID) and \(outputID) are not a hidden and an output activation")
        }
        return .layered(architecture, hidden: hidden, output: output)
    }
}

/// A model file that cannot be used: every message names the file.
public struct ModelFileError: Error, Equatable, CustomStringConvertible {
    public enum Problem: Error, Equatable {
        case notAModelFile
        case unsupportedVersion(UInt32)
        case truncated(length: Int, needed: Int)
        case trailingBytes(count: Int)
        case checksumMismatch
        case invalid(String)
    }

    public let path: String
    public let problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        let what = switch problem {
        case .notAModelFile: "not a digits model file"
        case .unsupportedVersion(let found):
            "model file version \(found) is not supported (this digits reads versions \(ModelFile.readableVersions.lowerBound) to \(ModelFile.readableVersions.upperBound)); "
                + "re-run `digits train`"
        case .truncated(let length, let needed): "truncated model file: \(length) bytes, its header needs at least \(needed)"
        case .trailingBytes(let count): "model file has \(count) unexpected bytes after its checksum"
        case .checksumMismatch: "model file is corrupt: its checksum does not match its contents"
        case .invalid(let detail): "invalid model file: \(detail)"
        }
        return "\(what) (\(path))"
    }
}

private struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    mutating func f32(_ value: Float) {
        u32(value.bitPattern)
    }
}

private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    private mutating func take(_ count: Int) throws(ModelFileError.Problem) -> ArraySlice<UInt8> {
        guard count <= bytes.count - offset else { throw .truncated(length: bytes.count, needed: offset + count) }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func u8() throws(ModelFileError.Problem) -> UInt8 {
        try take(1).first!
    }

    mutating func u32() throws(ModelFileError.Problem) -> UInt32 {
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func u64() throws(ModelFileError.Problem) -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func f32() throws(ModelFileError.Problem) -> Float {
        Float(bitPattern: try u32())
    }

    mutating func bytes(_ count: Int) throws(ModelFileError.Problem) -> [UInt8] {
        Array(try take(count))
    }

    mutating func f32s(_ count: Int) throws(ModelFileError.Problem) -> [Float] {
        let slice = try take(count * 4)
        return stride(from: slice.startIndex, to: slice.endIndex, by: 4).map { i in
            Float(bitPattern: slice[i..<i + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) })
        }
    }
}
