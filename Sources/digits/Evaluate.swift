import ArgumentParser
import DigitsCore
import Foundation

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model on the MNIST test images: accuracy, confusion matrix, precision and recall, "
            + "accuracy as unsure answers are set aside, and the images read wrong."
    )

    @Option(help: ArgumentHelp("Folder holding the MNIST test files, each plain or gzip-compressed (.gz). Default: "
                               + "\(Home.dataDefault(for: [.test])).", valueName: "folder"))
    var data: String?

    @Option(help: ArgumentHelp("""
        The model to evaluate (`digits train` saves models/digits.model); several --model flags are evaluated \
        one by one and as a committee, their scores averaged. Default: \(Home.modelsDefault).
        """, valueName: "file"))
    var model: [String] = []

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    @Option(help: ArgumentHelp("""
        Also write each test image's scores to this CSV file: a header line, then index,label,answer and the \
        ten output activations, one line per image.
        """, valueName: "file"))
    var scores: String?

    @Option(help: ArgumentHelp("""
        Also draw every test image read wrong into this PNG, the surest mistakes first, each captioned with its \
        label and the answer (4>9: a 4 read as 9) and its index in the test set (at most \
        \(MistakeSheet.limit)).
        """, valueName: "file"))
    var mistakes: String?

    func run() throws {
        let models = try Models(model)
        let data = try Home.data(data, for: [.test])
        let test = try MNIST.load(.test, from: data)
        let classes = MNIST.classCount
        let memberScores = models.models.map { $0.network.scores(of: test) }
        let committeeScores = models.isCommittee ? Committee.average(memberScores) : memberScores[0]
        let evaluation = Evaluation(scores: committeeScores, labels: test.labels, classCount: classes)
        let byConfidence = ConfidenceTable(scores: committeeScores, labels: test.labels, classCount: classes)
        let members = models.isCommittee
            ? zip(models.paths, memberScores).map { ($0, Evaluation(scores: $1, labels: test.labels, classCount: classes)) }
            : []
        let misread = Mistake.all(scores: committeeScores, labels: test.labels, classCount: classes)
        if let scores { try writeScores(committeeScores, labels: test.labels, to: scores) }
        if let mistakes { try MistakeSheet.write(misread, images: test, to: mistakes) }
        if json {
            var report = EvaluationReport(model: models.name, data: data, evaluation: evaluation, byConfidence: byConfidence,
                                          mistakes: misread, members: members)
            if !models.isCommittee { report.describe(models.models[0].record) }
            print(try report.json())
        } else {
            if models.isCommittee {
                print("committee of \(models.models.count) models, their scores averaged:")
                for ((path, member), trained) in zip(members, models.models) {
                    print("  \(path): \(trained.network.architecture), accuracy \(percent(member.accuracy)) "
                        + "(\(grouped(member.correct))/\(grouped(member.total)))")
                }
                print("committee accuracy \(percent(evaluation.accuracy)) (\(grouped(evaluation.correct))/\(grouped(evaluation.total)) "
                    + "test images in \(data))")
                print("")
                printTables(evaluation, byConfidence, misread)
            } else {
                printHeader(models.models[0], evaluation, model: models.name, data: data)
                printTables(evaluation, byConfidence, misread)
            }
        }
    }

    private func writeScores(_ scores: [Float], labels: [UInt8], to path: String) throws {
        let classes = MNIST.classCount
        var text = "index,label,answer," + (0..<classes).map { "score\($0)" }.joined(separator: ",") + "\n"
        for (i, label) in labels.enumerated() {
            let output = Array(scores[i * classes..<(i + 1) * classes])
            text += "\(i),\(label),\(argmax(output))," + output.map { "\($0)" }.joined(separator: ",") + "\n"
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FileError(path: path, problem: .unwritable(reason: (error as NSError).localizedDescription))
        }
    }

    private func printHeader(_ trained: TrainedModel, _ evaluation: Evaluation, model: String, data: String) {
        let record = trained.record
        print("model \(model): \(trained.network.architecture), epoch \(record.bestEpoch) of \(record.epochsRun), "
            + "saved \(ISO8601DateFormatter().string(from: record.trainedAt))")
        if let provenance = provenance(of: record) { print("  " + provenance) }
        for line in describe(record.settings) { print("  " + line) }
        print("accuracy \(percent(evaluation.accuracy)) (\(grouped(evaluation.correct))/\(grouped(evaluation.total)) test images in \(data))")
        print("")
    }

    private func printTables(_ evaluation: Evaluation, _ byConfidence: ConfidenceTable, _ misread: [Mistake]) {
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
        print("")
        printConfidence(byConfidence, wrong: evaluation.total - evaluation.correct)
        if !misread.isEmpty {
            print("")
            let drawing = mistakes.map { "; all drawn in \($0)" } ?? "; --mistakes FILE draws all \(grouped(misread.count))"
            print("surest mistakes (test image: label read as answer, confidence)" + drawing)
            for mistake in misread.prefix(5) {
                print("  #\(mistake.index): \(mistake.label) read as \(mistake.answer), \(String(format: "%.3f", mistake.confidence))")
            }
        }
    }

    /// What is kept of the answers, and of their mistakes, when those less sure than each threshold are set aside.
    private func printConfidence(_ table: ConfidenceTable, wrong: Int) {
        print("answers kept when those less sure are set aside (confidence: the best score's share of all ten)")
        print(pad("confidence", 10) + pad("kept", 10) + pad("of all", 8) + pad("accuracy", 10) + pad("mistakes kept", 15))
        for row in table.rows {
            let share = table.total == 0 ? 0 : Double(row.answered) / Double(table.total)
            let accuracy = row.answered == 0 ? "-" : percent(Double(row.correct) / Double(row.answered))
            print(pad("≥ \(row.threshold)", 10) + pad(grouped(row.answered), 10) + pad(percent(share), 8)
                + pad(accuracy, 10) + pad("\(grouped(row.answered - row.correct)) of \(grouped(wrong))", 15))
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
    /// At each threshold, the answers at least that confident (the best score's share of all ten) and how many of
    /// them are right.
    let byConfidence: [ConfidenceTable.Row]
    /// The images read wrong, the surest first: index in the test set, label, answer, confidence.
    let mistakes: [Mistake]
    /// For a committee, each member on its own.
    let members: [Member]?
    /// For one model, the images it trained on and those held out to validate it (0 for none).
    var trainingImages: Int?
    var validationImages: Int?
    /// For one model validated while training, the validation images it classified correctly after each epoch.
    var validationHistory: [Int]?

    struct Member: Encodable {
        let model: String
        let accuracy: Double
        let correct: Int
    }

    init(model: String, data: String, evaluation: Evaluation, byConfidence: ConfidenceTable, mistakes: [Mistake],
         members: [(String, Evaluation)] = []) {
        self.members = members.isEmpty ? nil : members.map { Member(model: $0.0, accuracy: $0.1.accuracy, correct: $0.1.correct) }
        self.model = model
        self.data = data
        accuracy = evaluation.accuracy
        correct = evaluation.correct
        total = evaluation.total
        confusion = evaluation.confusion
        precision = (0..<evaluation.classCount).map(evaluation.precision)
        recall = (0..<evaluation.classCount).map(evaluation.recall)
        confusions = evaluation.confusions(limit: 10).map { Confusion(actual: $0.actual, predicted: $0.predicted, count: $0.count) }
        self.byConfidence = byConfidence.rows
        self.mistakes = mistakes
    }

    /// One model's report: what it trained on and, if it was validated, how it did after each epoch.
    mutating func describe(_ record: TrainingRecord) {
        trainingImages = record.trainingCount
        validationImages = record.validationCount
        validationHistory = record.validationCount > 0 ? record.validationHistory : nil
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// What a model learned from and how its weights were chosen, for a file that says (an imported one does not).
func provenance(of record: TrainingRecord) -> String? {
    guard record.trainingCount > 0 else { return nil }
    let trained = "trained on \(grouped(record.trainingCount)) images"
    return record.validationCount > 0
        ? trained + ", the epoch kept for its accuracy on \(grouped(record.validationCount)) held out"
        : trained + ", none held out"
}
