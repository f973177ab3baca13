import Foundation

/// A network with the record of how it was trained: what a model file holds.
public struct TrainedModel: Equatable, Sendable {
    public var network: TrainedNetwork
    public var record: TrainingRecord

    public init(network: TrainedNetwork, record: TrainingRecord) {
        self.network = network
        self.record = record
    }

    public init(network: Network, record: TrainingRecord) {
        self.init(network: .dense(network), record: record)
    }

    public init(network: LayerStack, record: TrainingRecord) {
        self.init(network: .layered(network), record: record)
    }
}

/// The network of a model: dense layers only (the book's chapters 1 to 3, on their fast sparse path), or layers of
/// any kind (convolutions, pooling, dropout: chapter 6).
public enum TrainedNetwork: Equatable, Sendable, Classifier {
    case dense(Network)
    case layered(LayerStack)

    var classifier: any Classifier {
        switch self {
        case .dense(let network): network
        case .layered(let stack): stack
        }
    }

    public var inputCount: Int { classifier.inputCount }
    public var outputCount: Int { classifier.outputCount }
    public func scorer() -> ([Float]) -> [Float] { classifier.scorer() }
    public func scores(of data: LabeledImages) -> [Float] { classifier.scores(of: data) }

    /// The layers as a person reads them: `[784, 30, 10]`, or `1x28x28-20C5-MP2-40C5-MP2-100N-10N`.
    public var architecture: String {
        switch self {
        case .dense(let network): "[" + network.sizes.map(String.init).joined(separator: ", ") + "]"
        case .layered(let stack): stack.architecture.description
        }
    }

    /// The dense network, if it is one.
    public var dense: Network? {
        if case .dense(let network) = self { network } else { nil }
    }

    /// True when every weight and bias is a finite number.
    public var isFinite: Bool {
        switch self {
        case .dense(let network): network.isFinite
        case .layered(let stack): stack.isFinite
        }
    }

    /// Trainable weights and biases.
    public var parameterCount: Int {
        switch self {
        case .dense(let network): network.layers.reduce(0) { $0 + $1.weights.count + $1.biases.count }
        case .layered(let stack): stack.parameters.count
        }
    }
}

/// Enough about a training run to read its model's worth and to run it again: the settings, and what came of them.
public struct TrainingRecord: Equatable, Sendable {
    public var settings: TrainingSettings
    /// Epochs run: fewer than `settings.epochs` when training was interrupted or stopped early.
    public var epochsRun: Int
    /// The epoch whose weights were kept, counted from 1.
    public var bestEpoch: Int
    /// Images trained on, and images held out after them for validation.
    public var trainingCount: Int
    public var validationCount: Int
    /// Validation images classified correctly after each epoch run, of `validationCount`.
    public var validationHistory: [Int]
    /// η of each epoch run.
    public var learningRates: [Float]
    /// Test images classified correctly by the saved weights, of `testTotal` (0 of 0 when not measured).
    public var testCorrect: Int
    public var testTotal: Int
    /// When the model was saved, to the second.
    public var trainedAt: Date
    public var interrupted: Bool
    /// True when the patience rule ended training before `settings.epochs`.
    public var stoppedEarly: Bool

    public init(settings: TrainingSettings, epochsRun: Int, bestEpoch: Int, trainingCount: Int, validationCount: Int,
                validationHistory: [Int], learningRates: [Float], testCorrect: Int, testTotal: Int, trainedAt: Date,
                interrupted: Bool, stoppedEarly: Bool = false) {
        self.settings = settings
        self.epochsRun = epochsRun
        self.bestEpoch = bestEpoch
        self.trainingCount = trainingCount
        self.validationCount = validationCount
        self.validationHistory = validationHistory
        self.learningRates = learningRates
        self.testCorrect = testCorrect
        self.testTotal = testTotal
        self.trainedAt = Date(timeIntervalSince1970: trainedAt.timeIntervalSince1970.rounded(.down))
        self.interrupted = interrupted
        self.stoppedEarly = stoppedEarly
    }

    public var testAccuracy: Double? { testTotal == 0 ? nil : Double(testCorrect) / Double(testTotal) }
    public var bestValidationAccuracy: Double? {
        guard validationCount > 0, bestEpoch > 0, bestEpoch <= validationHistory.count else { return nil }
        return Double(validationHistory[bestEpoch - 1]) / Double(validationCount)
    }
}
