import Foundation

/// How to train: the hyper-parameters of Nielsen's `SGD(training_data, epochs, mini_batch_size, eta)`, and those
/// network2.py and later work added to it.
public struct TrainingSettings: Equatable, Sendable {
    /// Neurons per layer, input first. For a network of layer kinds (`architecture`), its inputs and outputs.
    public var sizes: [Int]
    /// The layers of a network of any kind (`LayerStack`), such as network3.py's convolutional network; nil for
    /// a dense `Network` of `sizes`.
    public var architecture: Architecture?
    public var epochs: Int
    public var batchSize: Int
    /// η, the step size of gradient descent.
    public var learningRate: Float
    /// Seeds the initial weights, every epoch's shuffle and every distortion.
    public var seed: UInt64
    /// Initial networks drawn: each is trained for the first epoch, on the same images in the same order, and the
    /// most accurate on the validation images (without them, on that epoch's training images) goes on. 1 is
    /// network.py's single run.
    public var starts = 1
    public var hiddenActivation: Network.Activation = .sigmoid
    public var outputActivation: Network.Activation = .sigmoid
    public var cost: Cost = .quadratic
    public var initialization: Network.Initialization = .standardNormal
    /// λ, the L2 regularisation parameter of network2.py: each step also shrinks W by ηλ/n (n training images).
    public var l2: Float = 0
    /// μ, the momentum of each step (0 for plain gradient descent).
    public var momentum: Float = 0
    /// Halve η, or stop, when validation accuracy stalls; nil runs every epoch at the same η.
    public var patience: Patience?
    /// Epochs, counted from 1, at whose start η halves: a schedule fixed in advance, which needs no validation set
    /// (a run on every training image can follow the halvings a patience run chose).
    public var halvingEpochs: [Int] = []
    public var augmentation: Augmentation = .none
    /// Pieces of handwriting that are not one digit (`NotDigits`), made from the training images and added to
    /// them with a uniform target, so that the network is unsure of what the number reader should not cut out.
    public var notDigits = 0
    /// Digits cut out of touching or overlapping pairs (`DigitsInContext`), made from the training images and
    /// added to them under their own labels, so that the network reads a digit the reader cut from its neighbour.
    public var digitsInContext = 0

    /// Chapter 1 of Nielsen's book: [784, 30, 10] sigmoid neurons, quadratic cost, N(0, 1) weights, 30 epochs of
    /// mini-batches of 10 at η = 3; going on from the best of three initial networks after one epoch.
    public static let nielsen: TrainingSettings = {
        var settings = TrainingSettings(sizes: [784, 30, 10], epochs: 30, batchSize: 10, learningRate: 3.0, seed: 1)
        settings.starts = 3
        return settings
    }()

    /// A multilayer perceptron trained for accuracy: ReLU neurons under a softmax output, cross-entropy cost, He
    /// initialisation, momentum, a little L2, Nielsen's halving schedule, and digits distorted afresh every epoch.
    public static let mlp: TrainingSettings = {
        var settings = TrainingSettings(sizes: [784, 800, 10], epochs: 200, batchSize: 50, learningRate: 0.05, seed: 1)
        settings.hiddenActivation = .relu
        settings.outputActivation = .softmax
        settings.cost = .crossEntropy
        settings.initialization = .he
        settings.l2 = 1
        settings.momentum = 0.9
        // Usually stops after 50 to 70 epochs, η having been halved five times.
        settings.patience = Patience(epochs: 4, halvings: 5)
        settings.augmentation = Augmentation(shift: 2, rotation: 12, scale: 0.12, elasticAlpha: 16, elasticSigma: 4)
        return settings
    }()

    /// Chapter 6 of Nielsen's book as network3.py trains the network it reports at 99.23%: two convolution-pooling
    /// layers of 20 and 40 kernels of 5 × 5 with 2 × 2 max-pooling, 100 dense neurons, ReLU throughout under a
    /// softmax output, cross-entropy, mini-batches of 10 at η = 0.03, L2 λ = 0.1, 60 epochs. network3.py's λ is
    /// per mini-batch (its cost adds ½ λ ‖w‖² / (batches per epoch)); here λ is per image, so its 0.1 is 0.1 × 10.
    /// He's initialisation stands in for network3.py's N(0, 1/n_out).
    public static let network3: TrainingSettings = {
        var settings = TrainingSettings(sizes: [784, 10], epochs: 60, batchSize: 10, learningRate: 0.03, seed: 1)
        settings.architecture = try! Architecture("1x28x28-20C5-MP2-40C5-MP2-100N-10N")
        settings.hiddenActivation = .relu
        settings.outputActivation = .softmax
        settings.cost = .crossEntropy
        settings.initialization = .he
        settings.l2 = 1
        return settings
    }()

    /// The shipped model's recipe: network3.py's convolutional network with a wider dense layer under dropout,
    /// trained on digits distorted afresh every epoch, on 15,000 pieces that are not one digit and on 15,000
    /// digits cut from touching pairs (for reading numbers), η halved when validation accuracy stalls.
    public static let best: TrainingSettings = {
        var settings = network3
        settings.architecture = try! Architecture("1x28x28-20C5-MP2-40C5-MP2-150N-D0.5-10N")
        settings.epochs = 70
        settings.patience = Patience(epochs: 5, halvings: 4)
        settings.augmentation = Augmentation(shift: 2, rotation: 12, scale: 0.12, elasticAlpha: 16, elasticSigma: 4)
        settings.notDigits = 15_000
        settings.digitsInContext = 15_000
        return settings
    }()

    /// `best` with a deeper second stage, two convolutions of 40 kernels of 3 × 3 (12 × 12 → 10 × 10 → 8 × 8) in
    /// place of one of 5 × 5: 1.2 times the multiply-adds, and networks that err on other digits than `best`'s,
    /// which the shipped committee gains by.
    public static let deep: TrainingSettings = {
        var settings = best
        settings.architecture = try! Architecture("1x28x28-20C5-MP2-40C3-40C3-MP2-150N-D0.5-10N")
        return settings
    }()

    /// `deep` with batch normalisation of the first convolution's maps and of each 3 × 3 convolution's, after
    /// its ReLU and before pooling: the recipe whose networks read the most validation digits (99.59% over six
    /// seeds, against `deep`'s 99.54% over five; on the test images 99.57% against 99.56%).
    public static let deepBN: TrainingSettings = {
        var settings = deep
        settings.architecture = try! Architecture("1x28x28-20C5-BN-MP2-40C3-BN-40C3-BN-MP2-150N-D0.5-10N")
        return settings
    }()

    /// The presets by name.
    public static let presets: [(name: String, settings: TrainingSettings)] = [
        ("nielsen", .nielsen), ("mlp", .mlp), ("network3", .network3), ("best", .best), ("deep", .deep),
        ("deep-bn", .deepBN),
    ]

    public init(sizes: [Int], epochs: Int, batchSize: Int, learningRate: Float, seed: UInt64) {
        self.sizes = sizes
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
    }

    /// Why these settings cannot train, if they cannot: a combination no network can use.
    public var problem: String? {
        if hiddenActivation == .softmax { return "softmax can only be the output layer" }
        if cost == .crossEntropy && ![.sigmoid, .softmax].contains(outputActivation) {
            return "the cross-entropy cost needs sigmoid or softmax outputs, which lie in (0, 1)"
        }
        if !(l2 >= 0 && l2.isFinite) { return "λ must be 0 or more" }
        if !(momentum >= 0 && momentum < 1) { return "momentum must be at least 0 and below 1" }
        if halvingEpochs.contains(where: { $0 < 1 }) { return "epochs to halve η at are counted from 1" }
        if patience != nil && !halvingEpochs.isEmpty {
            return "η follows either the patience rule or fixed halvings, not both"
        }
        return nil
    }

    /// Nielsen's learning-rate schedule (chapter 3) and early stopping as one rule: when the best validation
    /// accuracy is `epochs` epochs old, halve η, at most `halvings` times; the next time, stop.
    public struct Patience: Equatable, Sendable {
        public var epochs: Int
        public var halvings: Int

        public init(epochs: Int, halvings: Int) {
            precondition(epochs > 0 && halvings >= 0)
            self.epochs = epochs
            self.halvings = halvings
        }
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
    /// The first epoch ended for every one of several starts: `correct[s]` of `total` images classified
    /// correctly after start s (validation images, or without them the epoch's training images); `chosen` goes on.
    case startsCompared(correct: [Int], total: Int, chosen: Int)
    case epochFinished(EpochResult)
    /// The patience rule or the fixed halvings set η to `learningRate` from `epoch` on.
    case learningRateChanged(epoch: Int, learningRate: Float)
}

/// The network training chose, and how it got there.
public struct TrainingOutcome<Model: Sendable>: Sendable {
    /// The weights of the epoch with the best validation accuracy (the earliest, on ties); without a validation
    /// set, those of the last epoch. Nil when training stopped before its first epoch ended.
    public let network: Model?
    /// The epoch `network` comes from, counted from 1; 0 when `network` is nil.
    public let bestEpoch: Int
    public let history: [EpochResult]
    /// η of each epoch run.
    public let learningRates: [Float]
    /// True when `shouldStop` ended training before the last epoch.
    public let interrupted: Bool
    /// True when the patience rule ended training before the last epoch.
    public let stoppedEarly: Bool

    /// The same outcome with `transform` applied to its network.
    func map<Other>(_ transform: (Model) -> Other) -> TrainingOutcome<Other> {
        TrainingOutcome<Other>(network: network.map(transform), bestEpoch: bestEpoch, history: history,
                               learningRates: learningRates, interrupted: interrupted, stoppedEarly: stoppedEarly)
    }
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
        precondition(settings.sizes.count >= 2 && settings.epochs > 0 && settings.batchSize > 0 && settings.starts > 0)
        precondition(settings.problem == nil, settings.problem ?? "")
        self.settings = settings
    }

    /// Trains on `training`, validating on `validation` after every epoch, from `initial` weights or, without
    /// them, from the best of `settings.starts` networks drawn with the seed. `shouldStop` is asked after every
    /// mini-batch; `report` hears progress. Never prints.
    ///
    /// Each epoch's validation runs on another core while the next epoch trains, so the patience rule decides
    /// at the start of epoch e from the accuracies of epochs 1...e − 2: one epoch later than it could, but the
    /// same decisions however fast each core is.
    public func train(
        from initial: Network? = nil,
        on training: LabeledImages,
        validation: LabeledImages?,
        shouldStop: () -> Bool = { false },
        report: (TrainingEvent) -> Void = { _ in }
    ) throws -> TrainingOutcome<Network> {
        let settings = settings
        precondition(initial == nil || initial!.sizes == settings.sizes, "initial network does not have the layer sizes of the settings")
        return try train(from: initial, draw: { generator in
            Network(sizes: settings.sizes, hidden: settings.hiddenActivation, output: settings.outputActivation,
                    initialization: settings.initialization, generator: &generator)
        }, on: training, validation: validation, shouldStop: shouldStop, report: report)
    }

    /// Trains a network of any layer kinds, as `train(from:on:validation:)` trains a `Network`: from `initial`
    /// or, without it, from the best of `settings.starts` stacks of `architecture` drawn with the seed, its
    /// hidden and output activations and initialisation those of `settings` (whose `sizes` it does not read).
    public func train(
        _ architecture: Architecture,
        from initial: LayerStack? = nil,
        on training: LabeledImages,
        validation: LabeledImages?,
        shouldStop: () -> Bool = { false },
        report: (TrainingEvent) -> Void = { _ in }
    ) throws -> TrainingOutcome<LayerStack> {
        let settings = settings
        return try train(from: initial, draw: { generator in
            LayerStack(architecture, hidden: settings.hiddenActivation, output: settings.outputActivation,
                       initialization: settings.initialization, generator: &generator)
        }, on: training, validation: validation, shouldStop: shouldStop, report: report)
    }

    /// Trains the network the settings describe: a `LayerStack` of `settings.architecture` when there is one,
    /// otherwise a dense `Network` of `settings.sizes`.
    public func trainNetwork(
        on training: LabeledImages,
        validation: LabeledImages?,
        shouldStop: () -> Bool = { false },
        report: (TrainingEvent) -> Void = { _ in }
    ) throws -> TrainingOutcome<TrainedNetwork> {
        if let architecture = settings.architecture {
            return try train(architecture, on: training, validation: validation, shouldStop: shouldStop, report: report)
                .map { .layered($0) }
        }
        return try train(on: training, validation: validation, shouldStop: shouldStop, report: report).map { .dense($0) }
    }

    private func train<Model: Trainable>(
        from initial: Model?,
        draw: (inout SplitMix64) -> Model,
        on training: LabeledImages,
        validation: LabeledImages?,
        shouldStop: () -> Bool,
        report: (TrainingEvent) -> Void
    ) throws -> TrainingOutcome<Model> {
        precondition(settings.patience == nil || validation != nil, "the patience rule needs a validation set")
        // Pieces that are not one digit and digits cut from their neighbours join the training images, each
        // drawn with a seed of its own so that every other draw stays as it was.
        let digits = training
        var training = digits
        if settings.notDigits > 0 {
            training = training.appending(NotDigits.pieces(from: digits, count: settings.notDigits, seed: ~settings.seed))
        }
        if settings.digitsInContext > 0 {
            training = training.appending(DigitsInContext.pieces(from: digits, count: settings.digitsInContext,
                                                                 seed: ~settings.seed ^ 0x9E37_79B9_7F4A_7C15))
        }

        var generator = SplitMix64(seed: settings.seed)
        // Every start is drawn before anything else, so the first is the network a single start draws.
        let starts = initial.map { [$0] } ?? (0..<settings.starts).map { _ in draw(&generator) }
        precondition(training.pixelsPerImage == starts[0].inputCount, "images do not fit the input layer")
        // A label one past the last output is none of them: its target is uniform (`NotDigits`).
        precondition(training.labels.allSatisfy { Int($0) <= starts[0].outputCount }, "a label has no output neuron")
        // A mini-batch larger than the training set is the whole set: no room is needed for more.
        let batchCapacity = min(settings.batchSize, max(training.count, 1))
        var workspace = Model.Learner(starts[0], batchCapacity: batchCapacity)
        let validationInputs = validation.map { SparseInputs($0) }
        let epochs = EpochSource(training, augmentation: settings.augmentation)
        // Row c is the one-hot target of class c; the row past them, uniform, that of none of them.
        let classes = starts[0].outputCount
        let targets = UnsafeMutablePointer<Float>.allocate(capacity: (classes + 1) * classes)
        defer { targets.deallocate() }
        for i in 0..<classes * classes { targets[i] = i / classes == i % classes ? 1 : 0 }
        for i in classes * classes..<(classes + 1) * classes { targets[i] = 1 / Float(classes) }
        let start = Date()
        var best: (network: Model, epoch: Int, correct: Int)?
        var history: [EpochResult] = []
        var learningRates: [Float] = []
        var step = Workspace.Step(learningRate: settings.learningRate, momentum: settings.momentum,
                                  l2: settings.l2, trainingCount: training.count)
        var schedule = PatienceSchedule()
        let progressInterval = max(1, 2_000 / settings.batchSize)

        // Each epoch's weights with their validation, computed on another core while the next epoch trains.
        var pending: Background<(result: EpochResult, network: Model)>?
        func finishPendingValidation() {
            guard let (result, network) = pending?.result() else { return }
            pending = nil
            history.append(result)
            if best == nil || validation == nil || result.validationCorrect > best!.correct {
                best = (network, result.epoch, result.validationCorrect)
            }
            report(.epochFinished(result))
        }
        func outcome(interrupted: Bool = false, stoppedEarly: Bool = false) -> TrainingOutcome<Model> {
            TrainingOutcome(network: best?.network, bestEpoch: best?.epoch ?? 0, history: history,
                            learningRates: Array(learningRates.prefix(history.count)), interrupted: interrupted,
                            stoppedEarly: stoppedEarly)
        }

        var order = Array(0..<training.count)
        /// One pass of `workspace` over `inputs` in `order`, a gradient step per mini-batch, reported as `done` + the
        /// images so far of `total`; false when `shouldStop` cut it short.
        func trainEpoch(_ epoch: Int, _ workspace: Model.Learner, on inputs: EpochSource.Images, done: Int, total: Int) -> Bool {
            for (batchIndex, batchStart) in stride(from: 0, to: order.count, by: settings.batchSize).enumerated() {
                let batch = batchStart..<min(batchStart + settings.batchSize, order.count)
                // Each mini-batch's own seed, for layers that act at random (dropout), drawn from nothing else.
                var batchSeed = SplitMix64(seed: settings.seed ^ UInt64(epoch) << 32 ^ UInt64(batchIndex))
                workspace.learn(inputs.images, labels: inputs.labels, order: order, batch: batch, targets: targets,
                                cost: settings.cost, seed: batchSeed.next())
                workspace.descend(sampleCount: batch.count, step: step)
                if shouldStop() { return false }
                if (batchIndex + 1) % progressInterval == 0 {
                    if pending?.isFinished == true { finishPendingValidation() }
                    report(.progress(epoch: epoch, done: done + batchStart + batch.count, total: total))
                }
            }
            return true
        }

        var upcoming = epochs.start(drawingFrom: &generator)
        for epoch in 1...settings.epochs {
            if let patience = settings.patience {
                // Epochs 1...epoch − 2 are validated by now (see above).
                switch schedule.decide(patience, known: history.prefix(max(0, epoch - 2))) {
                case .keep: break
                case .stop:
                    finishPendingValidation()
                    return outcome(stoppedEarly: true)
                case .halve:
                    step.learningRate /= 2
                    report(.learningRateChanged(epoch: epoch, learningRate: step.learningRate))
                }
            }
            if settings.halvingEpochs.contains(epoch) {
                step.learningRate /= 2
                report(.learningRateChanged(epoch: epoch, learningRate: step.learningRate))
            }
            learningRates.append(step.learningRate)
            let inputs = upcoming.result()
            // The next epoch's images are made on another core while this one trains.
            if epoch < settings.epochs { upcoming = epochs.start(drawingFrom: &generator) }
            // Distorted images come already shuffled; the same images each epoch are shuffled here, the order of
            // one epoch reshuffled for the next, as random.shuffle does in network.py.
            if settings.augmentation.isNone { order.shuffle(using: &generator) }

            if epoch == 1 && starts.count > 1 {
                // Each start trains on the same images in the same order; the most accurate (the first of equals)
                // goes on, the others are let go as soon as one beats them.
                var correct: [Int] = []
                var chosen = 0
                for (s, start) in starts.enumerated() {
                    let contender = s == 0 ? workspace : Model.Learner(start, batchCapacity: batchCapacity)
                    guard trainEpoch(epoch, contender, on: inputs, done: s * order.count, total: starts.count * order.count) else {
                        return outcome(interrupted: true)
                    }
                    let network = contender.model.calibrated(on: digits)
                    guard network.isFinite else { throw TrainingError.diverged(epoch: epoch, learningRate: step.learningRate) }
                    correct.append(validationInputs.map { network.correctCount(on: $0, labels: validation!.labels, oneCore: false) }
                        ?? network.correctCount(on: inputs.images, labels: inputs.labels, oneCore: false))
                    if correct[s] > correct[chosen] { (chosen, workspace) = (s, contender) }
                }
                report(.startsCompared(correct: correct, total: validation?.count ?? inputs.count, chosen: chosen))
            } else {
                guard trainEpoch(epoch, workspace, on: inputs, done: 0, total: order.count) else {
                    finishPendingValidation()
                    return outcome(interrupted: true)
                }
            }

            let network = workspace.model
            guard network.isFinite else { throw TrainingError.diverged(epoch: epoch, learningRate: step.learningRate) }
            finishPendingValidation()
            let elapsed = Date().timeIntervalSince(start)
            let labels = validation?.labels ?? []
            pending = Background { [validationInputs] in
                let network = network.calibrated(on: digits)
                let correct = validationInputs.map { network.correctCount(on: $0, labels: labels, oneCore: true) } ?? 0
                return (EpochResult(epoch: epoch, validationCorrect: correct, validationTotal: labels.count, elapsed: elapsed),
                        network)
            }
        }
        finishPendingValidation()
        return outcome()
    }
}

/// Where the patience rule stands between epochs.
private struct PatienceSchedule {
    enum Decision { case keep, halve, stop }

    private var halvings = 0
    /// The last validated epoch when η was halved, or 0.
    private var lastChange = 0

    /// What to do before the next epoch, given the validated epochs so far: when the best of them (the earliest,
    /// on ties) and the last halving are both `patience.epochs` or more epochs old, halve η, or stop when no
    /// halvings are left.
    mutating func decide(_ patience: TrainingSettings.Patience, known: ArraySlice<EpochResult>) -> Decision {
        guard let last = known.last?.epoch,
              let best = known.max(by: { ($0.validationCorrect, -$0.epoch) < ($1.validationCorrect, -$1.epoch) }),
              last - max(best.epoch, lastChange) >= patience.epochs else { return .keep }
        guard halvings < patience.halvings else { return .stop }
        halvings += 1
        lastChange = last
        return .halve
    }
}

/// Each epoch's training images: the same every epoch (the trainer shuffles them), or, with augmentation, freshly
/// distorted copies in a fresh random order, made on another thread.
private struct EpochSource {
    let training: LabeledImages
    let augmentation: Augmentation
    /// Without augmentation, every epoch's images.
    private let plain: SparseInputs?

    init(_ training: LabeledImages, augmentation: Augmentation) {
        self.training = training
        self.augmentation = augmentation
        plain = augmentation.isNone ? SparseInputs(training) : nil
    }

    struct Images: @unchecked Sendable {  // immutable
        let images: SparseInputs
        let labels: [UInt8]
        var count: Int { labels.count }
    }

    /// Starts making one epoch's images. With augmentation, draws the seed of their order and distortions from
    /// `generator`; without, draws nothing.
    func start(drawingFrom generator: inout SplitMix64) -> Background<Images> {
        if let plain { return Background(ready: Images(images: plain, labels: training.labels)) }
        let seed = generator.next()
        return Background { [training, augmentation] in
            var generator = SplitMix64(seed: seed)
            var order = Array(0..<training.count)
            order.shuffle(using: &generator)
            var distorter = Distorter(rows: training.rows, columns: training.columns, augmentation: augmentation)
            let width = training.pixelsPerImage
            var images = SparseInputs.Builder(width: width, expectedCount: training.count)
            var distorted = [Float](repeating: 0, count: width)
            training.pixels.withUnsafeBufferPointer { pixels in
                distorted.withUnsafeMutableBufferPointer { distorted in
                    for i in order {
                        distorter.distort(UnsafeBufferPointer(rebasing: pixels[i * width..<(i + 1) * width]),
                                          into: distorted, using: &generator)
                        images.append(UnsafeBufferPointer(distorted))
                    }
                }
            }
            return Images(images: images.build(), labels: order.map { training.labels[$0] })
        }
    }
}
