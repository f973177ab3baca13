import Foundation
import Testing
@testable import DigitsCore

@Suite struct ModelFileTests {
    static func sampleModel() -> TrainedModel {
        var generator = SplitMix64(seed: 5)
        let network = Network(sizes: [784, 30, 10], generator: &generator)
        var settings = TrainingSettings(sizes: [784, 30, 10], epochs: 30, batchSize: 10, learningRate: 3, seed: 5)
        settings.starts = 4
        settings.cost = .crossEntropy
        settings.initialization = .scaled
        settings.l2 = 5
        settings.momentum = 0.5
        settings.patience = .init(epochs: 4, halvings: 7)
        settings.augmentation = Augmentation(shift: 2, rotation: 10, scale: 0.1, elasticAlpha: 30, elasticSigma: 5)
        settings.notDigits = 12_000
        settings.digitsInContext = 9_000
        let record = TrainingRecord(
            settings: settings, epochsRun: 3, bestEpoch: 2, trainingCount: 50_000, validationCount: 10_000,
            validationHistory: [9_001, 9_302, 9_250], learningRates: [3, 3, 1.5], testCorrect: 9_321, testTotal: 10_000,
            trainedAt: Date(timeIntervalSince1970: 1_800_000_000), interrupted: true, stoppedEarly: false)
        return TrainedModel(network: network, record: record)
    }

    /// `model` (the sample unless told) encoded, with `change` applied and the checksum made right again.
    static func resealed(_ model: TrainedModel = sampleModel(), _ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var bytes = ModelFile.encode(model)
        bytes.removeLast(4)
        change(&bytes)
        let crc = bytes.withUnsafeBytes { crc32($0) }
        return bytes + withUnsafeBytes(of: crc.littleEndian, Array.init)
    }

    @Test func roundTripIsBitExact() throws {
        let model = Self.sampleModel()
        let folder = TemporaryFolder()
        let path = folder.path + "/a.model"
        try ModelFile.write(model, to: path)
        let read = try ModelFile.read(from: path)
        #expect(read == model)
        #expect(ModelFile.encode(read) == ModelFile.encode(model))
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        #expect(bytes == ModelFile.encode(model))
        // 23,860 parameters of 4 bytes, a 165-byte header with 3 epochs of history, and the checksum.
        #expect(bytes.count == 8 + 4 + 1 + 4 + 12 + 2 + 1 + 1 + 8 + 4 + 4 * 4 + 4 * 3 + 4 * 2 + 4 * 5 + 4 + 4 + 4 * 4 + 8 + 4 + 4 + 12 + 12
            + 23_860 * 4 + 4)
    }

    @Test func activationsAndMissingBiasesRoundTrip() throws {
        var model = Self.sampleModel()
        model.network = .dense(Network(layers: [
            Network.Layer(weights: [[0.5, -1], [2, 0.25], [1, 1]], biases: nil, activation: .sigmoid),
            Network.Layer(weights: [[1, 2, 3]], biases: [0.5], activation: .identity),
        ]))
        model.record.settings.sizes = [2, 3, 1]
        model.record.settings.outputActivation = .identity
        model.record.settings.cost = .quadratic
        let bytes = ModelFile.encode(model)
        #expect(Array(bytes[29..<32]) == [0x81, 0x02, 0x01])
        let read = try ModelFile.decode(bytes)
        #expect(read == model)
        #expect(!read.network.dense!.layers[0].hasBiases && read.network.dense!.layers[1].activation == .identity)
    }

    @Test func headerFieldsAreWhereTheFormatSaysTheyAre() {
        let bytes = ModelFile.encode(Self.sampleModel())
        #expect(Array(bytes[0..<8]) == [0x89, 0x44, 0x47, 0x54, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(bytes[8..<17]) == [6, 0, 0, 0, 1, 3, 0, 0, 0])    // version 6, dense layers, 3 levels
        #expect(Array(bytes[17..<29]) == [0x10, 3, 0, 0, 30, 0, 0, 0, 10, 0, 0, 0])
        #expect(Array(bytes[29..<33]) == [1, 1, 2, 2])                  // sigmoid, sigmoid, cross-entropy, scaled
        #expect(Array(bytes[33..<41]) == [5, 0, 0, 0, 0, 0, 0, 0])      // seed
        #expect(Array(bytes[41..<45]) == [4, 0, 0, 0])                  // 4 starts
        #expect(Array(bytes[61..<65]) == [0, 0, 0x40, 0x40])            // η = 3.0
        #expect(Array(bytes[65..<69]) == [0, 0, 0xA0, 0x40])            // λ = 5.0
        #expect(Array(bytes[73..<81]) == [4, 0, 0, 0, 7, 0, 0, 0])      // patience 4, 7 halvings
        #expect(Array(bytes[93..<97]) == [0, 0, 0xF0, 0x41])            // α = 30
        #expect(Array(bytes[101..<105]) == [0xE0, 0x2E, 0, 0])          // 12,000 pieces that are not digits
        #expect(Array(bytes[105..<109]) == [0x28, 0x23, 0, 0])          // 9,000 digits cut from touching pairs
        #expect(Array(bytes[137..<141]) == [3, 0, 0, 0])                // 3 epochs of history
        #expect(Array(bytes[161..<165]) == [0, 0, 0xC0, 0x3F])          // η of epoch 3 = 1.5
    }

    /// A small convolutional network with a record (unless told, of every kind of layer but batch
    /// normalisation), every field.
    static func layeredModel(_ layers: String = "1x28x28-2C5-MP4-D0.5-6N-10N", seed: UInt64 = 3) throws -> TrainedModel {
        var model = sampleModel()
        var generator = SplitMix64(seed: seed)
        let architecture = try Architecture(layers)
        model.network = .layered(LayerStack(architecture, hidden: .relu, output: .softmax, initialization: .he,
                                            generator: &generator))
        model.record.settings.architecture = architecture
        model.record.settings.sizes = [architecture.input.count, architecture.outputCount]
        model.record.settings.hiddenActivation = .relu
        model.record.settings.outputActivation = .softmax
        return model
    }

    @Test func layersOfAnyKindRoundTrip() throws {
        let model = try Self.layeredModel()
        let bytes = ModelFile.encode(model)
        let text = Array("1x28x28-2C5-MP4-D0.5-6N-10N".utf8)
        // Version 6, layers of any kind, the architecture's length and text, ReLU hidden, softmax output.
        #expect(Array(bytes[8..<17]) == [6, 0, 0, 0, 2, UInt8(text.count), 0, 0, 0])
        #expect(Array(bytes[17..<17 + text.count]) == text)
        #expect(Array(bytes[17 + text.count..<19 + text.count]) == [3, 4])
        // 2·25 + 2 kernel parameters, 2·6·6 · 6 + 6 dense, 6 · 10 + 10 output.
        #expect(bytes.count == 19 + text.count + 2 + 8 + 4 + 4 * 4 + 4 * 3 + 4 * 2 + 4 * 5 + 4 + 4 + 4 * 4 + 8 + 4 + 4 + 12
            + 12 + (52 + 438 + 70) * 4 + 4)
        let read = try ModelFile.decode(bytes)
        #expect(read == model)
        #expect(ModelFile.encode(read) == bytes)
        let test = try MNIST.load(.test, from: mnistFolder).subset(0..<100)
        #expect(read.network.scores(of: test) == model.network.scores(of: test))
    }

    @Test func badArchitecturesInAFileAreNamed() throws {
        // Bytes 17… hold "1x28x28-2C5-MP4-D0.5-6N-10N"; 44 and 45 the hidden and output activations.
        let cases: [(String, (inout [UInt8]) -> Void, ModelFileError.Problem)] = [
            ("1x04x28: the kernel is larger than its maps", { $0[19] = 0x30; $0[20] = 0x34 },
             .invalid("architecture 2C5: a 5×5 kernel does not fit the 4×28 maps it gets")),
            ("2C5QMP4: no such layer", { $0[28] = 0x51 },
             .invalid("architecture 2C5QMP4: not a layer; expected nCk (convolution), MPp (max-pooling), nN (dense), Dp (dropout) or BN (batch normalisation)")),
            ("a control character", { $0[17] = 0 }, .invalid("the architecture is not printable ASCII")),
            ("lower case", { $0[26] = 0x63 }, .invalid("architecture 1x28x28-2c5-MP4-D0.5-6N-10N is not written as 1x28x28-2C5-MP4-D0.5-6N-10N")),
            ("no text", { $0[13] = 0 }, .invalid("architecture of 0 characters; expected 1 to 4096")),
            ("text longer than the file", { $0[15] = 1 }, .invalid("architecture of 65563 characters; expected 1 to 4096")),
            ("softmax hidden", { $0[44] = 4 }, .invalid("activations 4 and 4 are not a hidden and an output activation")),
            ("unknown output", { $0[45] = 9 }, .invalid("activations 3 and 9 are not a hidden and an output activation")),
        ]
        for (name, change, problem) in cases {
            #expect(throws: problem, "\(name)") { try ModelFile.decode(Self.resealed(try Self.layeredModel(), change)) }
        }
    }

    @Test func aNegativeVarianceIsNamed() throws {
        // 1x4x4-BN-2N: the file ends with BN's γ, β, μ, σ² (one channel each), then the dense 2 × 16 W and 2 b,
        // then the checksum.
        let model = try Self.layeredModel("1x4x4-BN-2N", seed: 4)
        #expect(try ModelFile.decode(ModelFile.encode(model)) == model)
        let variance = ModelFile.encode(model).count - 4 - 4 * 34 - 4
        let bytes = Self.resealed(model) { $0[variance..<variance + 4] = [0, 0, 0x80, 0xBF] }  // −1
        #expect(throws: ModelFileError.Problem.invalid("layer 1: batch normalisation with a negative variance, -1.0")) {
            try ModelFile.decode(bytes)
        }
    }

    @Test func readsVersionOneFiles() throws {
        // The model digits shipped before format 2: Nielsen's network, seed 1, saved by `digits train`.
        let path = repositoryRoot.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/nielsen-seed1-v1.model").path
        let model = try ModelFile.read(from: path)
        var expected = TrainingSettings.nielsen
        expected.starts = 1
        #expect(model.record.settings == expected)
        #expect(model.record.learningRates == Array(repeating: 3, count: 30))
        #expect(!model.record.stoppedEarly && !model.record.interrupted)
        #expect(model.record.testCorrect == 9_512 && model.record.testTotal == 10_000)
        let test = try MNIST.load(.test, from: mnistFolder)
        #expect(model.network.correctCount(on: test) == 9_512)
        // Written again, it is a file of the current version of the same model.
        #expect(try ModelFile.decode(ModelFile.encode(model)) == model)
    }

    @Test func readsVersionTwoFilesAsOneStart() throws {
        // The MLP was saved in format 2, before files recorded how many starts training drew.
        let path = repositoryRoot.appendingPathComponent("models/mlp.model").path
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        #expect(bytes[8] == 2)
        let model = try ModelFile.decode(bytes)
        #expect(model.record.settings == .mlp && model.record.settings.starts == 1)
        #expect(try ModelFile.decode(ModelFile.encode(model)) == model)
    }

    @Test func readsVersionFourFilesAsTrainedWithoutPiecesThatAreNotDigits() throws {
        let path = repositoryRoot.appendingPathComponent("Fuzz/corpus/model/v4-small-convnet.model").path
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        #expect(bytes[8] == 4)
        let model = try ModelFile.decode(bytes)
        #expect(model.record.settings.notDigits == 0)
        let again = ModelFile.encode(model)
        #expect(again[8] == 6 && again.count == bytes.count + 8)
        #expect(try ModelFile.decode(again) == model)
    }

    @Test func readsVersionFiveFilesAsTrainedWithoutDigitsCutFromPairs() throws {
        let path = repositoryRoot.appendingPathComponent("Fuzz/corpus/model/v5-small-convnet-not-digits.model").path
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        #expect(bytes[8] == 5)
        let model = try ModelFile.decode(bytes)
        #expect(model.record.settings.notDigits > 0 && model.record.settings.digitsInContext == 0)
        let again = ModelFile.encode(model)
        #expect(again[8] == 6 && again.count == bytes.count + 4)
        #expect(try ModelFile.decode(again) == model)
    }

    @Test func theFuzzersSeedModelsAreGoodFilesOfEveryVersion() throws {
        let folder = repositoryRoot.appendingPathComponent("Fuzz/corpus/model")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        var versions: Set<UInt8> = []
        for name in names {
            let bytes = [UInt8](try #require(FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)))
            #expect(throws: Never.self, "\(name)") { try ModelFile.decode(bytes) }
            versions.insert(bytes[8])
        }
        #expect(versions == [1, 2, 3, 4, 5, 6])
    }

    @Test func replacesAnExistingFileAndLeavesNoTemporaryFile() throws {
        let folder = TemporaryFolder()
        let path = folder.path + "/digits.model"
        folder.write("digits.model", Array("old contents".utf8))
        try ModelFile.write(Self.sampleModel(), to: path)
        #expect(try ModelFile.read(from: path) == Self.sampleModel())
        #expect(folder.contents() == ["digits.model"])
    }

    @Test func checkingWritabilityWritesNothing() throws {
        let folder = TemporaryFolder()
        try ModelFile.checkWritable(folder.path + "/new.model")
        #expect(folder.contents().isEmpty)
        #expect(throws: FileError.self) { try ModelFile.checkWritable(folder.path + "/no-such-folder/new.model") }
        #expect(throws: FileError(path: folder.path, problem: .isDirectory)) { try ModelFile.checkWritable(folder.path) }
    }

    static let corrupt: [(name: String, bytes: [UInt8], problem: ModelFileError.Problem)] = {
        let good = ModelFile.encode(sampleModel())
        var flipped = good
        flipped[5_000] ^= 0x10
        return [
            ("empty", [], .notAModelFile),
            ("text", Array("hello, this is not a model".utf8), .notAModelFile),
            ("signature only", Array(good[0..<8]), .truncated(length: 8, needed: 12)),
            ("cut in the weights", Array(good[0..<1_000]), .truncated(length: 1_000, needed: 165 + 784 * 30 * 4)),
            ("cut before the checksum", Array(good.dropLast(4)), .truncated(length: good.count - 4, needed: good.count)),
            ("trailing bytes", good + [0, 0], .trailingBytes(count: 2)),
            ("bit flipped", flipped, .checksumMismatch),
            ("version 7", resealed { $0[8] = 7 }, .unsupportedVersion(7)),
            ("unknown network kind", resealed { $0[12] = 3 }, .invalid("unknown network kind 3")),
            ("version 0", resealed { $0[8] = 0 }, .unsupportedVersion(0)),
            ("one layer", resealed { $0[13] = 1 }, .invalid("1 layers; expected 2 to 16")),
            ("empty layer", resealed { $0[21] = 0 }, .invalid("layer 2 has 0 neurons; expected 1 to 1048576")),
            ("unknown activation", resealed { $0[29] = 9 }, .invalid("unknown activation 9")),
            ("unknown cost", resealed { $0[31] = 0 }, .invalid("unknown cost 0")),
            ("softmax inside", resealed { $0[29] = 4 }, .invalid("softmax in layer 1, not the output layer")),
            ("unknown initialisation", resealed { $0[32] = 7 }, .invalid("unknown initialisation 7")),
            ("no starts", resealed { $0[41] = 0 }, .invalid("0 starts; expected 1 to 100")),
            ("too many starts", resealed { $0[41] = 101 }, .invalid("101 starts; expected 1 to 100")),
            ("NaN momentum", resealed { $0[69...72] = [0, 0, 0xC0, 0x7F] }, .invalid("a learning rate, λ or μ is not a number")),
            ("negative shift", resealed { $0[84] = 0xC0 }, .invalid("augmentation settings out of range")),
            ("halvings without patience", resealed { $0[73] = 0 }, .invalid("patience 0 with 7 halvings")),
            ("too many pieces that are not digits", resealed { $0[101...104] = [0xFF, 0xFF, 0xFF, 0xFF] },
             .invalid("4294967295 pieces that are not digits; at most 1000000")),
            ("too many digits cut from pairs", resealed { $0[105...108] = [0x41, 0x42, 0x0F, 0] },
             .invalid("1000001 digits cut from touching pairs; at most 1000000")),
            ("unknown flag", resealed { $0[133] = 4 }, .invalid("unknown flags 0x4")),
            ("NaN weight", resealed { $0[165...168] = [0, 0, 0xC0, 0x7F] }, .invalid("weights include NaN or infinite values")),
        ]
    }()

    @Test(arguments: corrupt.indices)
    func rejectsCorruptModelFile(case index: Int) throws {
        let (name, bytes, problem) = Self.corrupt[index]
        let folder = TemporaryFolder()
        let path = folder.write(name, bytes)
        let error = try #require(throws: ModelFileError.self) { try ModelFile.read(from: path) }
        #expect(error == ModelFileError(path: path, problem: problem))
        #expect(error.description.hasSuffix("(\(path))"))
    }

    @Test(arguments: ["dense", "layered"])
    func everySingleBitFlipIsCaught(kind: String) throws {
        var generator = SplitMix64(seed: 1)
        var model = try Self.layeredModel()
        model.network = kind == "dense" ? .dense(Network(sizes: [3, 2, 1], generator: &generator))
            : .layered(LayerStack(try Architecture("1x3x3-1C2-MP2-2N"), hidden: .relu, output: .softmax,
                                  initialization: .he, generator: &generator))
        let good = ModelFile.encode(model)
        for offset in good.indices {
            for bit in 0..<8 {
                var bytes = good
                bytes[offset] ^= 1 << bit
                #expect(throws: ModelFileError.Problem.self, "\(kind): byte \(offset), bit \(bit)") { try ModelFile.decode(bytes) }
            }
        }
    }

    @Test func filesAboveTheSizeLimitAreRefusedUnread() throws {
        let folder = TemporaryFolder()
        let path = folder.write("big", [UInt8](repeating: 1, count: 100))
        #expect(throws: FileError(path: path, problem: .tooLarge(bytes: 100, limit: 99))) {
            try FileError.contents(of: path, limit: 99)
        }
        #expect(try FileError.contents(of: path, limit: 100).count == 100)
    }

    @Test func rejectsMissingPathAndFolder() {
        let folder = TemporaryFolder()
        #expect(throws: FileError(path: folder.path, problem: .isDirectory)) { try ModelFile.read(from: folder.path) }
        let missing = folder.path + "/absent.model"
        #expect(throws: FileError(path: missing, problem: .missing)) { try ModelFile.read(from: missing) }
    }

    @Test func versionMismatchSuggestsRetraining() {
        let error = ModelFileError(path: "m", problem: .unsupportedVersion(5))
        #expect(error.description.contains("digits train"))
    }
}

@Suite struct EvaluationTests {
    @Test func precisionRecallAndConfusionsFromAKnownMatrix() {
        let evaluation = Evaluation(confusion: [
            [5, 1, 0],
            [2, 3, 0],
            [0, 4, 0],
        ])
        #expect(evaluation.total == 15 && evaluation.correct == 8)
        #expect(abs(evaluation.accuracy - 8.0 / 15) < 1e-12)
        #expect(evaluation.precision(0) == 5.0 / 7 && evaluation.recall(0) == 5.0 / 6)
        #expect(evaluation.precision(1) == 3.0 / 8 && evaluation.recall(1) == 3.0 / 5)
        #expect(evaluation.precision(2) == nil && evaluation.recall(2) == 0)
        let top = evaluation.confusions(limit: 2)
        #expect(top.map { [$0.actual, $0.predicted, $0.count] } == [[2, 1, 4], [1, 0, 2]])
        #expect(evaluation.classesNeverAnswered == [2])
    }

    @Test func countsEveryImageOnce() throws {
        let test = try MNIST.load(.test, from: mnistFolder).subset(0..<500)
        var generator = SplitMix64(seed: 1)
        let network = Network(sizes: [784, 10, 10], generator: &generator)
        let evaluation = Evaluation(network, data: test)
        #expect(evaluation.total == 500)
        #expect(evaluation.correct == network.correctCount(on: test))
        for c in 0..<10 { #expect(evaluation.confusion[c].reduce(0, +) == test.labels.count { $0 == c }) }
    }
}
