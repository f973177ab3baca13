import Foundation
import Synchronization

/// How to train: the hyper-parameters of Nielsen's `SGD(training_data, epochs, mini_batch_size, eta)`.
public struct TrainingSettings: Equatable, Sendable {
    /// Neurons per layer, input first.
    public var sizes: [Int]
    public var epochs: Int
    public var batchSize: Int
    /// η, the step size of gradient descent.
    public var learningRate: Float
    /// Seeds the initial weights and every epoch's shuffle.
    public var seed: UInt64

    public static let nielsen = TrainingSettings(sizes: [784, 30, 10], epochs: 30, batchSize: 10, learningRate: 3.0, seed: 1)

    public init(sizes: [Int], epochs: Int, batchSize: Int, learningRate: Float, seed: UInt64) {
        self.sizes = sizes
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
    }
}

/// What one epoch achieved.
public struct EpochResult: Equatable, Sendable {
    /// Counted from 1.
    public let epoch: Int
    /// Validation images classified correctly, of `validationTotal`; 0 of 0 without a validation set.
    public let validationCorrect: Int
    public let validationTotal: Int
    /// Seconds since training started, at the end of this epoch and its validation.
    public let elapsed: Double

    public var validationAccuracy: Double? {
        validationTotal == 0 ? nil : Double(validationCorrect) / Double(validationTotal)
    }
}

/// What training reports while it runs.
public enum TrainingEvent: Sendable {
    /// `done` of `total` training samples of the current epoch have been used.
    case progress(epoch: Int, done: Int, total: Int)
    case epochFinished(EpochResult)
}

/// The network training chose, and how it got there.
public struct TrainingOutcome: Sendable {
    /// The weights of the epoch with the best validation accuracy (the earliest, on ties); without a validation
    /// set, those of the last epoch. Nil when training stopped before its first epoch ended.
    public let network: Network?
    /// The epoch `network` comes from, counted from 1; 0 when `network` is nil.
    public let bestEpoch: Int
    public let history: [EpochResult]
    /// True when `shouldStop` ended training before the last epoch.
    public let interrupted: Bool
}

public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// Weights became NaN or infinite: the learning rate is too large for this network.
    case diverged(epoch: Int, learningRate: Float)

    public var description: String {
        switch self {
        case .diverged(let epoch, let eta):
            "training diverged in epoch \(epoch): weights became NaN or infinite with learning rate \(eta); "
                + "try a smaller --eta"
        }
    }
}

/// Mini-batch stochastic gradient descent, as network.py's `SGD`: each epoch shuffles the training data, splits it
/// into mini-batches of `batchSize` (the last one may be smaller) and takes one gradient step per mini-batch.
public struct Trainer: Sendable {
    public let settings: TrainingSettings

    public init(settings: TrainingSettings) {
        precondition(settings.sizes.count >= 2 && settings.epochs > 0 && settings.batchSize > 0)
        self.settings = settings
    }

    /// Trains on `training`, validating on `validation` after every epoch, from `initial` weights or, without
    /// them, from weights drawn with the seed. `shouldStop` is asked after every mini-batch; `report` hears
    /// progress. Never prints.
    public func train(
        from initial: Network? = nil,
        on training: LabeledImages,
        validation: LabeledImages?,
        shouldStop: () -> Bool = { false },
        report: (TrainingEvent) -> Void = { _ in }
    ) throws -> TrainingOutcome {
        let sizes = settings.sizes
        precondition(training.pixelsPerImage == sizes[0], "images do not fit the input layer")
        precondition(training.labels.allSatisfy { Int($0) < sizes[sizes.count - 1] }, "a label has no output neuron")

        var generator = SplitMix64(seed: settings.seed)
        let network = initial ?? Network(sizes: sizes, generator: &generator)
        precondition(network.sizes == sizes, "initial network does not have the layer sizes of the settings")
        let workspace = Workspace(network, batchCapacity: settings.batchSize)
        let inputs = SparseInputs(training)
        let validationInputs = validation.map { SparseInputs($0) }
        // Row c is the one-hot target of class c.
        let classes = sizes[sizes.count - 1]
        let oneHot = (0..<classes * classes).map { $0 / classes == $0 % classes ? Float(1) : 0 }
        let start = Date()
        var order = Array(0..<training.count)
        var best: (network: Network, epoch: Int, correct: Int)?
        var history: [EpochResult] = []
        let progressInterval = max(1, 2_000 / settings.batchSize)

        // Each epoch's weights are validated on another core while the next epoch trains; results are taken in
        // epoch order on this thread, as soon as they are ready.
        var pending: BackgroundValidation?
        func finishPendingValidation() {
            guard let result = pending?.result() else { return }
            pending = nil
            history.append(result.epoch)
            if best == nil || validation == nil || result.epoch.validationCorrect > best!.correct {
                best = (result.network, result.epoch.epoch, result.epoch.validationCorrect)
            }
            report(.epochFinished(result.epoch))
        }

        for epoch in 1...settings.epochs {
            order.shuffle(using: &generator)
            for (batchIndex, batchStart) in stride(from: 0, to: order.count, by: settings.batchSize).enumerated() {
                let batch = order[batchStart..<min(batchStart + settings.batchSize, order.count)]
                // The next mini-batch's images come from anywhere in memory: start fetching them now.
                for i in order[min(batchStart + settings.batchSize, order.count)..<min(batchStart + 2 * settings.batchSize, order.count)] {
                    inputs.prefetch(i)
                }
                for (s, i) in batch.enumerated() {
                    workspace.setInput(inputs[i], sample: s)
                    _ = workspace.forward(sample: s)
                    oneHot.withUnsafeBufferPointer {
                        workspace.backward(sample: s, target: $0.baseAddress! + Int(training.labels[i]) * classes)
                    }
                }
                workspace.descend(sampleCount: batch.count, learningRate: settings.learningRate)
                if shouldStop() {
                    finishPendingValidation()
                    return TrainingOutcome(network: best?.network, bestEpoch: best?.epoch ?? 0, history: history,
                                           interrupted: true)
                }
                if (batchIndex + 1) % progressInterval == 0 {
                    if pending?.isFinished == true { finishPendingValidation() }
                    report(.progress(epoch: epoch, done: batchStart + batch.count, total: order.count))
                }
            }

            let network = workspace.network
            guard network.isFinite else { throw TrainingError.diverged(epoch: epoch, learningRate: settings.learningRate) }
            finishPendingValidation()
            pending = BackgroundValidation(epoch: epoch, network: network, elapsed: Date().timeIntervalSince(start),
                                           inputs: validationInputs, labels: validation?.labels ?? [])
        }
        finishPendingValidation()
        return TrainingOutcome(network: best?.network, bestEpoch: best?.epoch ?? 0, history: history, interrupted: false)
    }
}

/// One epoch's validation, computed on another thread.
private final class BackgroundValidation: @unchecked Sendable {
    private let epoch: Int
    private let network: Network
    private let elapsed: Double
    private let total: Int
    private let finished = Atomic<Bool>(false)
    private let group = DispatchGroup()
    /// Written by the validating thread before `finished` is set; read only after `group.wait()`.
    private var correct = 0

    init(epoch: Int, network: Network, elapsed: Double, inputs: SparseInputs?, labels: [UInt8]) {
        self.epoch = epoch
        self.network = network
        self.elapsed = elapsed
        total = inputs?.count ?? 0
        group.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            correct = inputs.map { network.correctCount(on: $0, labels: labels) } ?? 0
            finished.store(true, ordering: .releasing)
            group.leave()
        }
    }

    var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// Waits for the validation, then gives the epoch's result and the weights it measured.
    func result() -> (epoch: EpochResult, network: Network) {
        group.wait()
        return (EpochResult(epoch: epoch, validationCorrect: correct, validationTotal: total, elapsed: elapsed), network)
    }
}
