import DigitsCore
import Foundation
import Testing

/// Convolutional networks and committees through the `digits` binary: trained from `--layers`, saved, and read
/// back by `evaluate` and `predict`, alone and together. Training runs on a small cut of MNIST.
@Suite(.serialized) struct ConvnetCommandTests {
    static let fixtureModel = CLITests.repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/nielsen-seed1-v1.model").path

    /// A folder with 3,000 training and 500 test images of MNIST, and a small convnet trained on them by the binary.
    static func trainedConvnet() throws -> (folder: String, model: String, run: CLITests.Run) {
        let folder = try CLITests.temporaryFolder()
        try CrashSafetyTests.smallDataSet(in: folder)
        let model = folder + "/convnet.model"
        let run = try CLITests.digits([
            "train", "--preset", "network3", "--layers", "1x28x28-4C5-MP4-D0.25-10N", "--epochs", "2",
            "--validation", "500", "--data", folder, "--model", model,
        ])
        return (folder, model, run)
    }

    @Test func trainsAConvnetFromTheNotationAndReadsWithIt() throws {
        let (folder, model, run) = try Self.trainedConvnet()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.hasPrefix("training 1x28x28-4C5-MP4-D0.25-10N on 2,500 images"), "\(run.output)")
        let trained = try ModelFile.read(from: model)
        guard case .layered(let stack) = trained.network else {
            Issue.record("saved as \(trained.network.architecture), not as layers")
            return
        }
        #expect(stack.architecture.description == "1x28x28-4C5-MP4-D0.25-10N")
        #expect(trained.record.settings.architecture == stack.architecture && trained.record.epochsRun == 2)
        // 2,500 images twice: well above chance (50 of 500), and what evaluate counts is what training printed.
        let test = try MNIST.load(.test, from: folder)
        let correct = stack.correctCount(on: test)
        #expect(correct > 350, "\(correct) of 500")
        #expect(run.output.contains("test accuracy: \(String(format: "%.2f", Double(correct) / 5))% (\(correct)/500)"))
        let evaluate = try CLITests.digits(["evaluate", "--model", model, "--data", folder])
        #expect(evaluate.status == 0)
        #expect(evaluate.output.hasPrefix("model \(model): 1x28x28-4C5-MP4-D0.25-10N, epoch "), "\(evaluate.output)")
        #expect(evaluate.output.contains("\n  trained on 2,500 images, the epoch kept for its accuracy on 500 held out\n"))
        let json = try CLITests.digits(["evaluate", "--json", "--model", model, "--data", folder])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(report["validationHistory"] as? [Int] == trained.record.validationHistory && report["members"] == nil)
        #expect(report["trainingImages"] as? Int == 2_500 && report["validationImages"] as? Int == 500)

        // A test digit as a PNG, read by the convnet as the library reads it.
        let picture = folder + "/digit.png"
        try PNGFile.writeGray(test.image(0).map { 255 - $0 }, width: 28, height: 28, to: picture)
        let predict = try CLITests.digits(["predict", "--json", "--single", "--model", model, picture])
        #expect(predict.status == 0, "\(predict.errors)")
        let line = try #require(try JSONSerialization.jsonObject(with: Data(predict.output.utf8)) as? [String: Any])
        let prepared = try DigitPreparation.prepare(PictureFile.read(from: picture))
        #expect(line["digit"] as? Int == stack.classify(prepared.networkInput))
    }

    @Test func aCommitteeAveragesItsMembersAndReportsEach() throws {
        let (folder, model, run) = try Self.trainedConvnet()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try #require(run.status == 0)
        let members = [model, Self.fixtureModel]
        let evaluate = try CLITests.digits(["evaluate", "--json", "--data", folder] + members.flatMap { ["--model", $0] })
        #expect(evaluate.status == 0, "\(evaluate.errors)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(evaluate.output.utf8)) as? [String: Any])
        let test = try MNIST.load(.test, from: folder)
        let networks = try members.map { try ModelFile.read(from: $0).network }
        #expect(report["correct"] as? Int == Committee(networks).correctCount(on: test))
        let listed = try #require(report["members"] as? [[String: Any]])
        #expect(listed.map { $0["model"] as? String } == members)
        #expect(listed.map { $0["correct"] as? Int } == networks.map { $0.correctCount(on: test) })
        // Answers by confidence: the committee's scores tallied here, threshold by threshold.
        let scores = Committee(networks).scores(of: test)
        let rows = try #require(report["byConfidence"] as? [[String: Any]])
        #expect(rows.map { ($0["threshold"] as? Double).map(Float.init) } == [0.5, 0.9, 0.99, 0.999])
        for row in rows {
            let threshold = Float(try #require(row["threshold"] as? Double))
            let kept = (0..<test.count).filter { i in
                let run = scores[i * 10..<(i + 1) * 10]
                return run.max()! / run.reduce(0) { $0 + max($1, 0) } >= threshold
            }
            #expect(row["answered"] as? Int == kept.count, "\(row)")
            #expect(row["correct"] as? Int == kept.count { i in
                let run = Array(scores[i * 10..<(i + 1) * 10])
                return run.firstIndex(of: run.max()!) == Int(test.labels[i])
            }, "\(row)")
        }
        // Two epochs on 2,500 images leave the committee unsure of some test images, and sure of others.
        let answered = rows.compactMap { $0["answered"] as? Int }
        #expect(answered.first! > 0 && answered.last! < 500 && answered == answered.sorted(by: >), "\(answered)")

        let tables = try CLITests.digits(["evaluate", "--data", folder] + members.flatMap { ["--model", $0] })
        #expect(tables.output.hasPrefix("committee of 2 models, their scores averaged:\n  \(model): 1x28x28-4C5-MP4-D0.25-10N"))
        #expect(tables.output.contains("\nanswers kept when those less sure are set aside"), "\(tables.output)")
        #expect(tables.output.contains("\n   ≥ 0.999"), "\(tables.output)")

        let picture = folder + "/digit.png"
        try PNGFile.writeGray(test.image(3).map { 255 - $0 }, width: 28, height: 28, to: picture)
        let predict = try CLITests.digits(["predict", "--json", "--single", picture] + members.flatMap { ["--model", $0] })
        let line = try #require(try JSONSerialization.jsonObject(with: Data(predict.output.utf8)) as? [String: Any])
        let input = try DigitPreparation.prepare(PictureFile.read(from: picture)).networkInput
        let expected = Committee.average(networks.map { $0.scores(input) })
        #expect((line["scores"] as? [Double])?.map(Float.init) == expected)
        #expect(line["model"] as? String == members.joined(separator: " + "))
    }

    @Test func aShippedNetworkSaysItTrainedOnEveryImage() throws {
        // The shipped convnets learned from all 60,000 training images: no validation history to report. (What
        // the file says does not depend on the test set: 100 images keep the debug build's reading short.)
        let model = CLITests.repository.appendingPathComponent("models/deep-seed2.model").path
        let folder = try CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try CrashSafetyTests.smallDataSet(in: folder, training: 0, test: 100)
        let text = try CLITests.digits(["evaluate", "--model", model, "--data", folder])
        #expect(text.status == 0, "\(text.errors)")
        #expect(text.output.contains("\n  trained on 60,000 images, none held out\n"), "\(text.output)")
        let json = try CLITests.digits(["evaluate", "--json", "--model", model, "--data", folder])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(report["trainingImages"] as? Int == 60_000 && report["validationImages"] as? Int == 0)
        #expect(report["validationHistory"] == nil)
    }

    @Test func committeeMembersMustReadTheSamePictures() throws {
        // The second member cannot read MNIST: the whole command fails, naming it, before reading anything.
        let folder = try CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bad = folder + "/bad.model"
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: bad))
        let run = try CLITests.digits(["evaluate", "--model", Self.fixtureModel, "--model", bad])
        #expect(run.status == 1 && run.errors == "Error: not a digits model file (\(bad))\n", "\(run.errors)")
    }
}
