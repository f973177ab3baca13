import ArgumentParser
import DigitsCore
import Foundation

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model on the MNIST test images: accuracy, confusion matrix, precision and recall."
    )

    @Option(help: ArgumentHelp("Folder holding the MNIST test files, each plain or gzip-compressed (.gz). Default: "
                               + "\(Home.dataDefault(for: [.test])).", valueName: "folder"))
    var data: String?

    @Option(help: ArgumentHelp("The model to evaluate (`digits train` saves models/digits.model). Default: \(Home.modelDefault).",
                               valueName: "file"))
    var model: String?

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    @Option(help: ArgumentHelp("""
        Also write each test image's scores to this CSV file: a header line, then index,label,answer and the \
        ten output activations, one line per image.
        """, valueName: "file"))
    var scores: String?

    func run() throws {
        let model = try Home.model(model)
        let data = try Home.data(data, for: [.test])
        let trained = try ModelFile.read(from: model, inputs: MNIST.rows * MNIST.columns, outputs: MNIST.classCount)
        let test = try MNIST.load(.test, from: data)
        let network = trained.network
        let evaluation = Evaluation(network: network, data: test)
        if let scores { try writeScores(network.outputs(test), labels: test.labels, to: scores) }
        if json {
            print(try EvaluationReport(model: model, data: data, evaluation: evaluation).json())
        } else {
            printTables(trained, evaluation, model: model, data: data)
        }
    }

    private func writeScores(_ outputs: [[Float]], labels: [UInt8], to path: String) throws {
        var text = "index,label,answer," + (0..<MNIST.classCount).map { "score\($0)" }.joined(separator: ",") + "\n"
        for (i, (output, label)) in zip(outputs, labels).enumerated() {
            text += "\(i),\(label),\(argmax(output))," + output.map { "\($0)" }.joined(separator: ",") + "\n"
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FileError(path: path, problem: .unwritable(reason: (error as NSError).localizedDescription))
        }
    }

    private func printTables(_ trained: TrainedModel, _ evaluation: Evaluation, model: String, data: String) {
        let record = trained.record
        print("model \(model): \(LayerSizes(trained.network.sizes)), epoch \(record.bestEpoch) of \(record.epochsRun), "
            + "saved \(ISO8601DateFormatter().string(from: record.trainedAt))")
        for line in describe(record.settings) { print("  " + line) }
        print("accuracy \(percent(evaluation.accuracy)) (\(grouped(evaluation.correct))/\(grouped(evaluation.total)) test images in \(data))")
        print("")
        let classes = 0..<evaluation.classCount
        print("confusion matrix (rows: true digit, columns: answer)")
        print("     " + classes.map { pad("\($0)", 6) }.joined())
        for t in classes {
            print(pad("\(t)", 4) + " " + classes.map { pad("\(evaluation.confusion[t][$0])", 6) }.joined())
        }
        print("")
        print("digit  precision  recall")
        for c in classes {
            let p = evaluation.precision(c).map(percent) ?? "-"
            let r = evaluation.recall(c).map(percent) ?? "-"
            print(pad("\(c)", 5) + pad(p, 11) + pad(r, 8))
        }
        let confusions = evaluation.confusions(limit: 5)
        if !confusions.isEmpty {
            print("")
            print("most frequent confusions")
            for (actual, predicted, count) in confusions {
                print("  \(actual) read as \(predicted): \(count) times")
            }
        }
    }
}

/// `digits evaluate --json`: accuracy as a fraction, confusion rows by true digit.
struct EvaluationReport: Encodable {
    struct Confusion: Encodable {
        let actual: Int
        let predicted: Int
        let count: Int
    }

    let model: String
    let data: String
    let accuracy: Double
    let correct: Int
    let total: Int
    let confusion: [[Int]]
    let precision: [Double?]
    let recall: [Double?]
    let confusions: [Confusion]

    init(model: String, data: String, evaluation: Evaluation) {
        self.model = model
        self.data = data
        accuracy = evaluation.accuracy
        correct = evaluation.correct
        total = evaluation.total
        confusion = evaluation.confusion
        precision = (0..<evaluation.classCount).map(evaluation.precision)
        recall = (0..<evaluation.classCount).map(evaluation.recall)
        confusions = evaluation.confusions(limit: 10).map { Confusion(actual: $0.actual, predicted: $0.predicted, count: $0.count) }
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
