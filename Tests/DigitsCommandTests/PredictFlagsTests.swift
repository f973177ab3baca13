import ArgumentParser
import DigitsCore
import Testing
@testable import digits

@Suite struct PredictFlagsTests {
    @Test func defaults() throws {
        let predict = try Predict.parse(["a.png"])
        let models = try Home.models(predict.model)
        #expect(predict.files == ["a.png"] && predict.model.isEmpty)
        #expect(models == ["models/best.model", "models/best-seed2.model", "models/best-seed3.model", "models/deep.model",
                           "models/deep-seed2.model", "models/deep-seed3.model", "models/mlp.model"])
        #expect(!predict.json && !predict.show && predict.top == 1 && predict.savePreprocessed == nil)
        #expect(predict.maxPixels == PictureFile.defaultPixelLimit)
        #expect(!predict.single && predict.boxes == nil)
    }

    @Test func readsEveryFlag() throws {
        let predict = try Predict.parse([
            "a.png", "pictures", "--model", "m.model", "--json", "--show", "--top", "3",
            "--save-preprocessed", "out", "--max-pixels", "1000", "--single", "--boxes", "marked",
        ])
        #expect(predict.single && predict.boxes == "marked")
        #expect(predict.files == ["a.png", "pictures"] && predict.model == ["m.model"])
        #expect(predict.json && predict.show && predict.top == 3 && predict.savePreprocessed == "out")
        #expect(predict.maxPixels == 1000)
    }

    @Test(arguments: [
        [String](),
        ["a.png", "--top", "0"],
        ["a.png", "--top", "11"],
        ["a.png", "--max-pixels", "0"],
        ["a.png", "--max-pixels", "-5"],
        ["a.png", "--top", "x"],
    ])
    func rejectsMisuse(_ arguments: [String]) {
        do {
            _ = try Predict.parse(arguments)
            Issue.record("accepted \(arguments)")
        } catch {
            #expect(Predict.exitCode(for: error) == .validationFailure)
        }
    }

    @Test func drawingShowsInkAsBlocks() {
        var pixels = [UInt8](repeating: 0, count: 784)
        pixels[0] = 255
        pixels[1] = 128
        let lines = drawing(of: [pixels], columns: 0).split(separator: "\n")
        #expect(lines.count == 30)
        #expect(lines[1].hasPrefix("|██▒▒    "))
        #expect(lines.allSatisfy { $0.count == 58 })
    }
}
