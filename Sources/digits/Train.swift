import ArgumentParser
import DigitsCore
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a network on MNIST by mini-batch stochastic gradient descent and save it.",
        discussion: """
            Trains Nielsen's chapter-1 network (sigmoid neurons, quadratic cost, N(0, 1) initial weights) on the \
            training images less the last --validation ones, which are held out to pick the best epoch. \
            The best epoch's weights are saved, then tested on the 10,000 test images. \
            Ctrl-C stops after the current mini-batch and saves the best epoch so far.
            """
    )

    @Option(help: "Folder holding the four MNIST files, each plain or gzip-compressed (.gz).")
    var data = "data/mnist"

    @Option(help: "Where to save the trained model.")
    var model = "models/digits.model"

    @Option(help: "Neurons per layer, input first: 784 inputs (28×28 pixels) to 10 outputs (digits 0–9).")
    var layers = LayerSizes([784, 30, 10])

    @Option(help: "Passes over the training images.")
    var epochs = TrainingSettings.nielsen.epochs

    @Option(help: "Images per gradient step.")
    var batchSize = TrainingSettings.nielsen.batchSize

    @Option(help: "Learning rate η.")
    var eta = TrainingSettings.nielsen.learningRate

    @Option(help: "Seed for the initial weights and the order of the images.")
    var seed = TrainingSettings.nielsen.seed

    @Option(help: "Training images held out (the last ones) to choose the best epoch; 0 trains on all and keeps the last epoch.")
    var validation = 10_000

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, not \(epochs)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, not \(batchSize)") }
        guard eta.isFinite, eta > 0 else { throw ValidationError("--eta must be a positive number, not \(eta)") }
        guard validation >= 0 else { throw ValidationError("--validation must be 0 or more, not \(validation)") }
        try layers.validate(inputs: MNIST.rows * MNIST.columns, outputs: MNIST.classCount)
    }

    func run() throws {
        try ModelFile.checkWritable(model)
        let training = try MNIST.load(.training, from: data)
        let test = try MNIST.load(.test, from: data)
        guard validation < training.count else {
            throw ValidationError("--validation \(validation) leaves no training images: \(data) has \(training.count)")
        }
        let (trainingSet, validationSet) = training.holdingOutLast(validation)
        let settings = TrainingSettings(sizes: layers.sizes, epochs: epochs, batchSize: batchSize, learningRate: eta, seed: seed)

        print("training \(layers) on \(grouped(trainingSet.count)) images from \(data), "
            + (validation > 0 ? "validating on the last \(grouped(validation))" : "no validation set"))
        print("\(epochs) epochs, mini-batch \(batchSize), eta \(eta), seed \(seed)")

        let interrupt = Interrupt.install()
        var progress = ProgressBar()
        let outcome = try Trainer(settings: settings).train(
            on: trainingSet,
            validation: validation > 0 ? validationSet : nil,
            shouldStop: { interrupt.requested },
            report: { event in
                switch event {
                case .progress(let epoch, let done, let total):
                    progress.update(label: "epoch \(epoch)/\(epochs)", done: done, total: total)
                case .epochFinished(let result):
                    progress.clear()
                    let accuracy = result.validationAccuracy.map {
                        "validation \(percent($0)) (\(grouped(result.validationCorrect))/\(grouped(result.validationTotal)))"
                    } ?? "no validation"
                    print("epoch \(result.epoch)/\(epochs): \(accuracy), \(String(format: "%.1f", result.elapsed)) s")
                    fflush(nil)  // one line per epoch even into a pipe (`digits train | tee log`)
                }
            })
        progress.clear()
        interrupt.uninstall()

        guard let network = outcome.network else {
            print("interrupted before the first epoch ended: nothing saved")
            throw ExitCode(130)
        }
        let testCorrect = network.correctCount(on: test)
        let record = TrainingRecord(
            seed: seed, epochs: epochs, epochsRun: outcome.history.count, bestEpoch: outcome.bestEpoch,
            batchSize: batchSize, learningRate: eta, trainingCount: trainingSet.count, validationCount: validation,
            validationHistory: outcome.history.map(\.validationCorrect), testCorrect: testCorrect, testTotal: test.count,
            trainedAt: Date(), interrupted: outcome.interrupted)
        try ModelFile.write(TrainedModel(network: network, record: record), to: model)

        let checkSet = validation > 0 ? validationSet : trainingSet
        let silent = Evaluation(network: network, data: checkSet).classesNeverAnswered
        if !silent.isEmpty {
            fflush(nil)  // keep the warning after the lines printed before it
            let digits = silent.map(String.init).joined(separator: ", ")
            FileHandle.standardError.write(Data("""
                warning: the network never answers \(digits): an output neuron saturated early and stopped learning, \
                a known weakness of the quadratic cost with N(0, 1) weights (Nielsen, chapter 3); another --seed \
                usually avoids it

                """.utf8))
        }
        if outcome.interrupted {
            print("interrupted after \(outcome.history.count) of \(epochs) epochs")
        }
        print("saved \(model) (weights of epoch \(outcome.bestEpoch))")
        print("test accuracy: \(percent(record.testAccuracy ?? 0)) (\(grouped(testCorrect))/\(grouped(test.count)))")
        if outcome.interrupted { throw ExitCode(130) }
    }
}

/// `--layers 784,30,10`: neurons per layer, input first.
struct LayerSizes: ExpressibleByArgument, CustomStringConvertible {
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
    }
}
