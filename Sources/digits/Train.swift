import ArgumentParser
import DigitsCore
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a network on MNIST and save it.",
        discussion: """
            Starts from a preset and changes what the options name. --preset nielsen (the default) is the \
            network of chapter 1 of Nielsen's book: [784, 30, 10] sigmoid neurons, quadratic cost, N(0, 1) \
            weights, 30 epochs of mini-batches of 10 at eta 3, about 95% in a second or two. --preset mlp is \
            chapter 3 taken further: [784, 800, 10] ReLU neurons, softmax and cross-entropy, He weights, \
            momentum, L2, a halving schedule and distorted digits, about 99.3%. --preset network3 is chapter 6's \
            convolutional network as network3.py trains it (1x28x28-20C5-MP2-40C5-MP2-100N-10N, 60 epochs), \
            about 99.2%. --preset best is the recipe of three of the shipped models (seeds 1, 2 and 3): that \
            network with a wider dense layer under dropout, trained on distorted digits and on pieces as the \
            number reader cuts them. --preset deep is best with two 3×3 convolutions in place of the second 5×5 \
            (1x28x28-20C5-MP2-40C3-40C3-MP2-150N-D0.5-10N), the recipe of three more. --preset deep-bn is deep \
            with batch normalisation after each convolution (1x28x28-20C5-BN-MP2-40C3-BN-40C3-BN-MP2-150N-D0.5-10N), \
            the most accurate single network, about 99.6%.

            --layers takes neurons per layer (784,30,10) or, for any kind of layer, the notation of Ciresan et \
            al.: 1x28x28-20C5-MP2-40C5-MP2-100N-10N is 1 channel of 28×28 pixels, 20 convolution kernels of \
            5×5, max-pooling of 2×2, 40 kernels of 5×5, max-pooling of 2×2, 100 dense neurons and 10 outputs; \
            D0.5 drops half the values passing that point while training; BN normalises them, channel by \
            channel (batch normalisation).

            The last --validation training images are held out to pick the best epoch (and to drive \
            --patience); the best epoch's weights are saved, then tested on the 10,000 test images. \
            Ctrl-C stops after the current mini-batch and saves the best epoch so far.
            """
    )

    @Option(help: ArgumentHelp("Folder holding the four MNIST files, each plain or gzip-compressed (.gz). Default: "
                               + "\(Home.dataDefault(for: [.training, .test])).", valueName: "folder"))
    var data: String?

    @Option(help: ArgumentHelp("Where to save the trained model. (The shipped models are "
                               + "\(Home.shippedModels.joined(separator: ", ")).) A symbolic link is written through to its file."))
    var model = Self.defaultModel
    static let defaultModel = "models/digits.model"

    @Flag(help: "Replace the --model file even if it is read-only (it stays read-only).")
    var force = false

    @Option(help: "Settings to start from: nielsen, mlp, network3, best, deep or deep-bn; the options below override them.")
    var preset = Preset.nielsen

    @Option(help: ArgumentHelp("""
        The layers: neurons per layer, input first, 784 inputs (28×28 pixels) to 10 outputs (digits 0–9), or \
        the notation below. (nielsen: 784,30,10; mlp: 784,800,10; network3: 1x28x28-20C5-MP2-40C5-MP2-100N-10N; best, deep and deep-bn: see above)
        """, valueName: "layers"))
    var layers: String?

    @Option(help: "Dropout rate, 0 to below 1, on the inputs of every dense layer after the first layer, while training.")
    var dropout: Float?

    @Option(help: "Most passes over the training images. (nielsen: 30; mlp: up to 200, best, deep and deep-bn: up to 70, as --patience allows)")
    var epochs: Int?

    @Option(help: "Images per gradient step. (nielsen, network3, best, deep, deep-bn: 10; mlp: 50)")
    var batchSize: Int?

    @Option(help: "Learning rate η at the start. (nielsen: 3; mlp: 0.05; network3, best, deep, deep-bn: 0.03)")
    var eta: Float?

    @Option(help: "Seed for the initial weights, the order of the images and their distortions. (1)")
    var seed: UInt64?

    @Option(help: "Initial networks to draw: each trains for the first epoch, and the one most accurate on validation goes on. (nielsen: 3; the others: 1)")
    var starts: Int?

    @Option(help: "Hidden neurons: sigmoid or relu.")
    var hidden: NamedArgument<Network.Activation>?

    @Option(help: "Output neurons: sigmoid or softmax.")
    var output: NamedArgument<Network.Activation>?

    @Option(help: "Cost: quadratic or cross-entropy.")
    var cost: NamedArgument<Cost>?

    @Option(name: .customLong("init"), help: "Initial weights: normal (N(0, 1)), scaled (N(0, 1/inputs)) or he (N(0, 2/inputs)).")
    var initialization: NamedArgument<Network.Initialization>?

    @Option(help: "L2 regularisation λ: each step shrinks the weights by η λ / (training images).")
    var l2: Float?

    @Option(help: "Momentum μ, 0 to below 1.")
    var momentum: Float?

    @Option(help: "Halve η when validation accuracy has not improved for this many epochs; 0 keeps η.")
    var patience: Int?

    @Option(help: "Halvings of η before the patience rule stops training instead; 0 makes it plain early stopping.")
    var halvings: Int?

    @Option(help: ArgumentHelp("""
        Halve η at the start of these epochs, counted from 1 (17,28,34,39): a schedule fixed in advance instead \
        of the patience rule, as training on every image (--validation 0) needs.
        """, valueName: "epochs"))
    var halveAt: String?

    @Option(help: ArgumentHelp("""
        Pieces of handwriting that are not one digit (two digits as one, a slice of a digit), made from the \
        training images and added to them with a uniform target, so that the network is unsure of them and the \
        number reader's cuts by recognition work. (best, deep, deep-bn: 15000)
        """, valueName: "count"))
    var notDigits: Int?

    @Option(help: ArgumentHelp("""
        Digits cut out of a pair of touching or overlapping digits where they meet, made from the training images \
        and added to them under their own labels, so that the network reads a digit the number reader cut from its \
        neighbour. (best, deep, deep-bn: 15000)
        """, valueName: "count"))
    var digitsInContext: Int?

    @Option(help: "Distortion: largest shift in pixels.")
    var shift: Float?

    @Option(help: "Distortion: largest rotation in degrees.")
    var rotate: Float?

    @Option(help: "Distortion: largest change of size, a fraction (0.1 = ±10%).")
    var scale: Float?

    @Option(help: "Distortion: elastic strength α in pixels (Simard et al. 2003); 0 turns it off.")
    var elastic: Float?

    @Option(help: "Distortion: elastic smoothness σ in pixels.")
    var elasticSigma: Float?

    @Option(help: "Training images held out (the last ones) to choose the best epoch; 0 trains on all and keeps the last epoch.")
    var validation = 10_000

    /// The preset with every option given on the command line applied (`validate` has checked that they apply).
    var settings: TrainingSettings { try! resolvedSettings() }

    /// The preset with every option applied; a `--layers` or `--dropout` that does not make a network throws.
    private func resolvedSettings() throws -> TrainingSettings {
        var settings = preset.settings
        if let layers {
            let choice: LayerChoice
            do { choice = try LayerChoice(layers) } catch { throw ValidationError("--layers: \(error)") }
            switch choice {
            case .sizes(let sizes): (settings.sizes, settings.architecture) = (sizes, nil)
            case .architecture(let architecture): settings.architecture = architecture
            }
        }
        if let dropout {
            guard dropout >= 0 && dropout < 1 else { throw ValidationError("--dropout must be at least 0 and below 1, not \(dropout)") }
            do {
                settings.architecture = try (settings.architecture ?? Architecture(denseSizes: settings.sizes)).droppingOut(dropout)
            } catch { throw ValidationError("--dropout: \(error)") }
        }
        if let sizes = settings.architecture?.denseSizes {
            // Dense layers alone run on the dense network's fast path, whichever way they were written.
            (settings.sizes, settings.architecture) = (sizes, nil)
        } else if let architecture = settings.architecture {
            settings.sizes = [architecture.input.count, architecture.outputCount]
        }
        if let epochs { settings.epochs = epochs }
        if let batchSize { settings.batchSize = batchSize }
        if let eta { settings.learningRate = eta }
        if let seed { settings.seed = seed }
        if let starts { settings.starts = starts }
        if let hidden { settings.hiddenActivation = hidden.value }
        if let output { settings.outputActivation = output.value }
        if let cost { settings.cost = cost.value }
        if let initialization { settings.initialization = initialization.value }
        if let l2 { settings.l2 = l2 }
        if let momentum { settings.momentum = momentum }
        if patience != nil || halvings != nil {
            let epochs = patience ?? settings.patience?.epochs ?? 0
            settings.patience = epochs > 0 ? .init(epochs: epochs, halvings: halvings ?? settings.patience?.halvings ?? 0) : nil
        }
        if let halveAt {
            let parts = halveAt.split(separator: ",", omittingEmptySubsequences: false)
            let epochs = parts.compactMap { Int($0) }
            guard epochs.count == parts.count, epochs.allSatisfy({ (1...100_000).contains($0) }), zip(epochs, epochs.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw ValidationError("--halve-at takes epochs counted from 1 in rising order, such as 17,28,34,39, not \(halveAt)")
            }
            if patience != nil || halvings != nil {
                throw ValidationError("--halve-at is a fixed schedule instead of --patience and --halvings: give one or the other")
            }
            (settings.halvingEpochs, settings.patience) = (epochs, nil)
        }
        if let notDigits { settings.notDigits = notDigits }
        if let digitsInContext { settings.digitsInContext = digitsInContext }
        if let shift { settings.augmentation.shift = shift }
        if let rotate { settings.augmentation.rotation = rotate }
        if let scale { settings.augmentation.scale = scale }
        if let elastic { settings.augmentation.elasticAlpha = elastic }
        if let elasticSigma { settings.augmentation.elasticSigma = elasticSigma }
        return settings
    }

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, not \(epochs)") }
        if let batchSize, !(1...1_000_000).contains(batchSize) {
            throw ValidationError("--batch-size must be 1 to 1000000, not \(batchSize)")
        }
        if let starts, !(1...ModelFile.maximumStarts).contains(starts) {
            throw ValidationError("--starts must be 1 to \(ModelFile.maximumStarts), not \(starts)")
        }
        if let eta, !(eta.isFinite && eta > 0) { throw ValidationError("--eta must be a positive number, not \(eta)") }
        if let l2, !(l2.isFinite && l2 >= 0) { throw ValidationError("--l2 must be 0 or more, not \(l2)") }
        if let momentum, !(momentum >= 0 && momentum < 1) { throw ValidationError("--momentum must be at least 0 and below 1, not \(momentum)") }
        if let patience, patience < 0 { throw ValidationError("--patience must be 0 or more, not \(patience)") }
        if let notDigits, !(0...ModelFile.maximumPieces).contains(notDigits) {
            throw ValidationError("--not-digits must be 0 to \(ModelFile.maximumPieces), not \(notDigits)")
        }
        if let digitsInContext, !(0...ModelFile.maximumPieces).contains(digitsInContext) {
            throw ValidationError("--digits-in-context must be 0 to \(ModelFile.maximumPieces), not \(digitsInContext)")
        }
        if let halvings, !(0...64).contains(halvings) { throw ValidationError("--halvings must be 0 to 64, not \(halvings)") }
        for (flag, value, limit) in [("--shift", shift, 14), ("--rotate", rotate, 180), ("--scale", scale, 0.9),
                                     ("--elastic", elastic, 100), ("--elastic-sigma", elasticSigma, 100)] as [(String, Float?, Float)] {
            if let value, !(value >= 0 && value <= limit) { throw ValidationError("\(flag) must be 0 to \(limit), not \(value)") }
        }
        if let elasticSigma, elasticSigma == 0 { throw ValidationError("--elastic-sigma must be above 0") }
        if let hidden, ![.sigmoid, .relu].contains(hidden.value) {
            throw ValidationError("--hidden must be sigmoid or relu, not \(hidden.value.name)")
        }
        if let output, ![.sigmoid, .softmax].contains(output.value) {
            throw ValidationError("--output must be sigmoid or softmax, not \(output.value.name)")
        }
        guard validation >= 0 else { throw ValidationError("--validation must be 0 or more, not \(validation)") }
        let settings = try resolvedSettings()
        if let problem = settings.problem { throw ValidationError(problem) }
        if settings.patience != nil && validation == 0 {
            throw ValidationError("--patience needs a validation set to watch; give --patience 0 or a fixed --halve-at with --validation 0")
        }
        if let architecture = settings.architecture {
            let pixels = MNIST.rows * MNIST.columns
            guard architecture.input.count == pixels, architecture.outputCount == MNIST.classCount else {
                throw ValidationError("--layers \(architecture) must take 1x28x28 (or \(pixels)) inputs and end with "
                    + "\(MNIST.classCount)N (classes)")
            }
        } else {
            try LayerSizes(settings.sizes).validate(inputs: MNIST.rows * MNIST.columns, outputs: MNIST.classCount)
        }
    }

    /// The layers as a person reads them.
    static func name(_ settings: TrainingSettings) -> String {
        settings.architecture?.description ?? LayerSizes(settings.sizes).description
    }

    func run() throws {
        let data = try Home.data(data, for: [.training, .test])
        if model == Self.defaultModel {
            // The default is relative to the current folder, as for any file a person makes; its folder is made too.
            try FileManager.default.createDirectory(atPath: "models", withIntermediateDirectories: true)
        }
        try ModelFile.checkWritable(model, replacingReadOnly: force)
        let (training, test) = try MNIST.load(.training, .test, from: data)
        guard validation < training.count else {
            throw ValidationError("--validation \(validation) leaves no training images: \(data) has \(training.count)")
        }
        let (trainingSet, validationSet) = training.holdingOutLast(validation)
        let settings = settings

        print("training \(Self.name(settings)) on \(grouped(trainingSet.count)) images from \(data), "
            + (validation > 0 ? "validating on the last \(grouped(validation))" : "no validation set"))
        for line in describe(settings, preset: preset) { print(line) }

        let interrupt = Interrupt.install()
        var progress = ProgressBar()
        let epochs = settings.epochs
        let outcome = try Trainer(settings: settings).trainNetwork(
            on: trainingSet,
            validation: validation > 0 ? validationSet : nil,
            shouldStop: { interrupt.requested },
            report: { event in
                switch event {
                case .progress(let epoch, let done, let total):
                    let starts = epoch == 1 && settings.starts > 1 ? " (\(settings.starts) starts)" : ""
                    progress.update(label: "epoch \(epoch)/\(epochs)\(starts)", done: done, total: total)
                case .startsCompared(let correct, let total, let chosen):
                    progress.clear()
                    let scores = correct.map { percent(Double($0) / Double(total)) }.joined(separator: ", ")
                    print("epoch 1 from \(correct.count) starts: \(validation > 0 ? "validation" : "training") \(scores); "
                        + "going on with start \(chosen + 1)")
                    fflush(nil)
                case .epochFinished(let result):
                    progress.clear()
                    let accuracy = result.validationAccuracy.map {
                        "validation \(percent($0)) (\(grouped(result.validationCorrect))/\(grouped(result.validationTotal)))"
                    } ?? "no validation"
                    print("epoch \(result.epoch)/\(epochs): \(accuracy), \(String(format: "%.1f", result.elapsed)) s")
                    fflush(nil)  // one line per epoch even into a pipe (`digits train | tee log`)
                case .learningRateChanged(let epoch, let eta):
                    progress.clear()
                    print(settings.halvingEpochs.contains(epoch)
                        ? "eta \(eta) from epoch \(epoch), as --halve-at says"
                        : "validation accuracy stalled: eta \(eta) from epoch \(epoch)")
                    fflush(nil)
                }
            })
        progress.clear()
        interrupt.uninstall()

        guard let network = outcome.network else {
            print("interrupted before the first epoch ended: nothing saved")
            throw ExitCode(130)
        }
        let testCorrect = Evaluation(network, data: test).correct
        let record = TrainingRecord(
            settings: settings, epochsRun: outcome.history.count, bestEpoch: outcome.bestEpoch,
            trainingCount: trainingSet.count, validationCount: validation,
            validationHistory: outcome.history.map(\.validationCorrect), learningRates: outcome.learningRates,
            testCorrect: testCorrect, testTotal: test.count, trainedAt: Date(), interrupted: outcome.interrupted,
            stoppedEarly: outcome.stoppedEarly)
        let replaced = try? ModelFile.read(from: model)
        try ModelFile.write(TrainedModel(network: network, record: record), to: model, replacingReadOnly: force)

        let checkSet = validation > 0 ? validationSet : trainingSet
        let silent = Evaluation(network, data: checkSet).classesNeverAnswered
        if !silent.isEmpty {
            fflush(nil)  // keep the warning after the lines printed before it
            let digits = silent.map(String.init).joined(separator: ", ")
            let why = settings.cost == .quadratic && settings.initialization == .standardNormal
                ? "an output neuron saturated early and stopped learning, a known weakness of the quadratic cost with "
                    + "N(0, 1) weights (Nielsen, chapter 3); more --starts, another --seed, or --cost cross-entropy "
                    + "usually avoids it"
                : "it has not learned to tell them apart; more hidden neurons or a smaller --eta may help"
            FileHandle.standardError.write(Data("""
                warning: the network never answers \(digits): \(why)

                """.utf8))
        }
        if outcome.interrupted {
            print("interrupted after \(outcome.history.count) of \(epochs) epochs")
        } else if outcome.stoppedEarly {
            print("stopped after \(outcome.history.count) of \(epochs) epochs: validation accuracy stopped improving")
        }
        print("saved \(model) (weights of epoch \(outcome.bestEpoch))" + (replaced.map {
            ", replacing a model saved \(ISO8601DateFormatter().string(from: $0.record.trainedAt))"
                + ($0.record.testAccuracy.map { " with test accuracy \(percent($0))" } ?? "")
        } ?? ""))
        print("test accuracy: \(percent(record.testAccuracy ?? 0)) (\(grouped(testCorrect))/\(grouped(test.count)))")
        if outcome.interrupted { throw ExitCode(130) }
    }
}

/// The settings as lines a person reads, saying which differ from the preset.
func describe(_ settings: TrainingSettings, preset: Preset? = nil) -> [String] {
    let epochs = "\(settings.patience == nil ? "" : "up to ")\(settings.epochs) epoch\(settings.epochs == 1 ? "" : "s")"
    var lines = ["\(epochs), mini-batch \(settings.batchSize), eta \(settings.learningRate), seed \(settings.seed)"
        + (preset.map { " (preset \($0.rawValue))" } ?? "")]
    lines.append("\(settings.hiddenActivation.name) hidden neurons, \(settings.outputActivation.name) outputs, "
        + "\(settings.cost.name) cost, \(settings.initialization.name) initial weights")
    var extras: [String] = []
    if settings.starts > 1 { extras.append("the best of \(settings.starts) starts after epoch 1") }
    if settings.l2 > 0 { extras.append("L2 lambda \(settings.l2)") }
    if settings.momentum > 0 { extras.append("momentum \(settings.momentum)") }
    if let patience = settings.patience {
        extras.append(patience.halvings > 0
            ? "halve eta after \(patience.epochs) epochs without progress, up to \(patience.halvings) times, then stop"
            : "stop after \(patience.epochs) epochs without progress")
    }
    if settings.notDigits > 0 { extras.append("\(grouped(settings.notDigits)) pieces that are not one digit") }
    if settings.digitsInContext > 0 { extras.append("\(grouped(settings.digitsInContext)) digits cut from touching pairs") }
    if !settings.halvingEpochs.isEmpty {
        extras.append("halve eta at the start of epoch" + (settings.halvingEpochs.count > 1 ? "s " : " ")
            + settings.halvingEpochs.map(String.init).joined(separator: ", "))
    }
    let a = settings.augmentation
    if !a.isNone {
        extras.append("distortions: shift ±\(a.shift) px, rotation ±\(a.rotation)°, scale ±\(a.scale), "
            + "elastic alpha \(a.elasticAlpha) sigma \(a.elasticSigma)")
    }
    if !extras.isEmpty { lines.append(extras.joined(separator: "; ")) }
    return lines
}

/// `--preset`: a named set of training settings.
enum Preset: String, ExpressibleByArgument, CaseIterable {
    case nielsen, mlp, network3, best, deep
    case deepBN = "deep-bn"

    var settings: TrainingSettings {
        switch self {
        case .nielsen: .nielsen
        case .mlp: .mlp
        case .network3: .network3
        case .best: .best
        case .deep: .deep
        case .deepBN: .deepBN
        }
    }
}

/// A flag whose value is one of a `Named` kind's names: `--hidden relu`, `--cost cross-entropy`.
struct NamedArgument<Value: Named>: ExpressibleByArgument {
    let value: Value

    init?(argument: String) {
        guard let value = Value(name: argument) else { return nil }
        self.value = value
    }
}

/// `--layers`: neurons per layer (`784,30,10`), or layers of any kind in `Architecture`'s notation.
enum LayerChoice {
    case sizes([Int])
    case architecture(Architecture)

    init(_ text: String) throws {
        if text.contains(",") {
            guard let sizes = LayerSizes(argument: text) else {
                throw ValidationError("\(text): neurons per layer are whole numbers separated by commas, such as 784,30,10")
            }
            self = .sizes(sizes.sizes)
        } else {
            self = .architecture(try Architecture(text))
        }
    }
}

/// Neurons per layer, input first: `784,30,10`.
struct LayerSizes: ExpressibleByArgument, CustomStringConvertible, Equatable {
    let sizes: [Int]

    init(_ sizes: [Int]) { self.sizes = sizes }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let sizes = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard sizes.count == parts.count, sizes.count >= 2 else { return nil }
        self.sizes = sizes
    }

    var description: String { "[" + sizes.map(String.init).joined(separator: ", ") + "]" }
    var defaultValueDescription: String { sizes.map(String.init).joined(separator: ",") }

    func validate(inputs: Int, outputs: Int) throws {
        guard sizes.allSatisfy({ (1...1 << 20).contains($0) }) else {
            throw ValidationError("--layers: every layer needs 1 to 1048576 neurons, got \(self)")
        }
        guard sizes.first == inputs, sizes.last == outputs else {
            throw ValidationError("--layers must start with \(inputs) (pixels) and end with \(outputs) (classes), got \(self)")
        }
        let parameters = zip(sizes, sizes.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 }
        guard parameters <= Self.maximumParameters else {
            throw ValidationError("--layers \(self) has \(grouped(parameters)) weights and biases; a model file holds at most "
                + grouped(Self.maximumParameters))
        }
    }

    /// What a model file of at most `ModelFile.maximumFileSize` bytes holds, with room for its header.
    static let maximumParameters = ModelFile.maximumFileSize / 4 - 1_000_000
}
