import Foundation

/// A network with the record of how it was trained: what a model file holds.
public struct TrainedModel: Equatable, Sendable {
    public var network: Network
    public var record: TrainingRecord

    public init(network: Network, record: TrainingRecord) {
        self.network = network
        self.record = record
    }
}

/// Enough about a training run to read its model's worth and to run it again.
public struct TrainingRecord: Equatable, Sendable {
    public var seed: UInt64
    /// Epochs asked for; `epochsRun` is fewer when training was interrupted.
    public var epochs: Int
    public var epochsRun: Int
    /// The epoch whose weights were kept, counted from 1.
    public var bestEpoch: Int
    public var batchSize: Int
    public var learningRate: Float
    /// Images trained on, and images held out after them for validation.
    public var trainingCount: Int
    public var validationCount: Int
    /// Validation images classified correctly after each epoch run, of `validationCount`.
    public var validationHistory: [Int]
    /// Test images classified correctly by the saved weights, of `testTotal` (0 of 0 when not measured).
    public var testCorrect: Int
    public var testTotal: Int
    /// When the model was saved, to the second.
    public var trainedAt: Date
    public var interrupted: Bool

    public init(seed: UInt64, epochs: Int, epochsRun: Int, bestEpoch: Int, batchSize: Int, learningRate: Float,
                trainingCount: Int, validationCount: Int, validationHistory: [Int], testCorrect: Int, testTotal: Int,
                trainedAt: Date, interrupted: Bool) {
        self.seed = seed
        self.epochs = epochs
        self.epochsRun = epochsRun
        self.bestEpoch = bestEpoch
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.trainingCount = trainingCount
        self.validationCount = validationCount
        self.validationHistory = validationHistory
        self.testCorrect = testCorrect
        self.testTotal = testTotal
        self.trainedAt = Date(timeIntervalSince1970: trainedAt.timeIntervalSince1970.rounded(.down))
        self.interrupted = interrupted
    }

    public var testAccuracy: Double? { testTotal == 0 ? nil : Double(testCorrect) / Double(testTotal) }
    public var bestValidationAccuracy: Double? {
        guard validationCount > 0, bestEpoch > 0, bestEpoch <= validationHistory.count else { return nil }
        return Double(validationHistory[bestEpoch - 1]) / Double(validationCount)
    }
}
