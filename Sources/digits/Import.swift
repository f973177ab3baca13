import ArgumentParser
import DigitsCore
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read a network that network2.py (Nielsen, chapter 3) saved as JSON into a digits model file.",
        discussion: """
            The JSON is {"sizes", "weights", "biases", "cost"} as network2.py's save() writes it: sigmoid neurons, \
            weights [out][in], biases [out][1], cost QuadraticCost or CrossEntropyCost. Every field is checked: \
            the sizes run from 784 to 10, every weight and bias is there and finite; files over \
            \(Network2JSON.maximumFileSize >> 20) MiB are refused. The model it writes is measured on the MNIST \
            test images when they are found, and predict, evaluate, serve and export take it; how it was trained \
            is not in the JSON, so its record says 0 epochs.
            """
    )

    @Argument(help: ArgumentHelp("network2.py's JSON file.", valueName: "file.json"))
    var file: String

    @Option(help: ArgumentHelp("Where to write the digits model.", valueName: "file"))
    var model: String

    @Flag(help: "Replace the --model file even if it is read-only (it stays read-only).")
    var force = false

    @Option(help: ArgumentHelp("Folder holding the MNIST test files, to measure the model. Default: "
                               + "\(Home.dataDefault(for: [.test])).", valueName: "folder"))
    var data: String?

    func run() throws {
        try ModelFile.checkWritable(model, replacingReadOnly: force)
        let (network, cost) = try Network2JSON.read(from: file, inputs: MNIST.rows * MNIST.columns,
                                                     outputs: MNIST.classCount)
        var settings = TrainingSettings(sizes: network.sizes, epochs: 0, batchSize: 10, learningRate: 0, seed: 0)
        settings.cost = cost
        settings.initialization = .scaled
        let test = try Home.testImages(data, without: "the model's test accuracy is left unmeasured")
        let correct = test.map { network.correctCount(on: $0) } ?? 0
        let record = TrainingRecord(
            settings: settings, epochsRun: 0, bestEpoch: 0, trainingCount: 0, validationCount: 0,
            validationHistory: [], learningRates: [], testCorrect: correct, testTotal: test?.count ?? 0,
            trainedAt: Date(), interrupted: false, stoppedEarly: false)
        try ModelFile.write(TrainedModel(network: network, record: record), to: model, replacingReadOnly: force)
        print("imported \(file): \(LayerSizes(network.sizes)) sigmoid neurons, \(cost.name) cost")
        if let test {
            print("test accuracy: \(percent(record.testAccuracy ?? 0)) (\(grouped(correct))/\(grouped(test.count)))")
        }
        print("saved \(model)")
    }
}
