import DigitsCore
import Foundation
import Testing
@testable import DigitsServer

/// The shipped convolutional network, alone and in a committee, as `digits serve` answers for it: its kernels, the
/// feature maps of a digit level by level, a committee's averaged scores and its members.
@Suite struct ConvnetServiceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func model(_ name: String) throws -> TrainedModel {
        try ModelFile.read(from: root.appendingPathComponent("models/\(name)").path)
    }

    /// The first test digit as a PNG, dark on white, and what `digits predict` makes of it.
    static func picture() throws -> (png: Data, input: [Float]) {
        let test = try MNIST.load(.test, from: root.appendingPathComponent("data/mnist").path)
        let path = NSTemporaryDirectory() + "digits-convnet-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PNGFile.writeGray(test.image(0).map { 255 - $0 }, width: 28, height: 28, to: path)
        let png = try Data(contentsOf: URL(fileURLWithPath: path))
        return (png, try DigitPreparation.prepare(PictureFile.read(from: path)).networkInput)
    }

    static func json(_ answer: DigitService.Answer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])
    }

    @Test func theConvnetShowsItsKernelsAndEachLevelsMaps() throws {
        let best = try Self.model("best.model")
        let service = DigitService(model: best, modelPath: "models/best.model", test: nil)
        let info = try Self.json(service.modelInfo())
        #expect(info["architecture"] as? String == "1x28x28-20C5-MP2-40C5-MP2-150N-D0.5-10N")
        #expect(info["layers"] == nil && info["parameters"] as? Int == 520 + 20_040 + 96_150 + 1_510)
        // The 20 kernels of 5 × 5, as the model file holds them: the first parameters of the stack.
        let kernels = try #require(info["kernels"] as? [String: Any])
        #expect(kernels["count"] as? Int == 20 && kernels["height"] as? Int == 5 && kernels["width"] as? Int == 5)
        guard case .layered(let stack) = best.network else { Issue.record("not a layered network"); return }
        #expect((kernels["values"] as? [Double])?.map(Float.init) == Array(stack.parameters[0..<500]))

        let (png, input) = try Self.picture()
        let answer = service.predict(picture: png)
        #expect(answer.status == 200)
        let digit = try #require((try Self.json(answer)["digits"] as? [[String: Any]])?.first)
        let levels = try #require(digit["levels"] as? [[String: Any]])
        #expect(levels.map { $0["name"] as? String } == ["20C5", "MP2", "40C5", "MP2", "150N", "10N"])
        #expect(levels.map { [$0["count"] as? Int, $0["height"] as? Int, $0["width"] as? Int] }
                == [[20, 24, 24], [20, 12, 12], [40, 8, 8], [40, 4, 4], [1, 1, 150], [1, 1, 10]])
        // The last level is the output: the digit's scores, as the network gives them.
        #expect((levels.last?["values"] as? [Double])?.map(Float.init) == best.network.scores(input))
        #expect(digit["digit"] as? Int == 7)
    }

    @Test func aCommitteeAveragesItsMembersAndListsThem() throws {
        let members = [try Self.model("best.model"), try Self.model("mlp.model")]
        let service = DigitService(models: members, modelPaths: ["models/best.model", "models/mlp.model"], test: nil)
        let info = try Self.json(service.modelInfo())
        let listed = try #require(info["members"] as? [[String: Any]])
        #expect(listed.map { $0["path"] as? String } == ["models/best.model", "models/mlp.model"])
        #expect(listed.map { $0["architecture"] as? String } == ["1x28x28-20C5-MP2-40C5-MP2-150N-D0.5-10N", "[784, 800, 10]"])
        let (png, input) = try Self.picture()
        let answer = try Self.json(service.predict(picture: png))
        let expected = Committee.average(members.map { $0.network.scores(input) })
        #expect((answer["scores"] as? [Double])?.map(Float.init) == expected)
    }
}
