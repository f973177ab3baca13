import Foundation
import Testing
@testable import DigitsCore

/// The images a network reads wrong: which, in what order, and drawn on a sheet read back through libpng.
struct MistakesTests {
    @Test func mistakesAreTheWrongAnswersSurestFirst() {
        // Three classes. Image 0 right. Image 1: answered 1, label 2, 0.6 sure. Image 2: answered 0 (a tie between
        // 0 and 2 goes to the first), label 2, 0.4 sure. Image 3: answered 2, label 0, 0.6 sure, after image 1 on
        // the tie. Image 4: sigmoid-like scores, answered 1, label 0, 3 of 4 = 0.75 sure.
        let scores: [Float] = [0.8, 0.1, 0.1, 0.1, 0.6, 0.3, 0.4, 0.2, 0.4, 0.3, 0.1, 0.6, 1, 3, -2]
        let mistakes = Mistake.all(scores: scores, labels: [0, 2, 2, 0, 0], classCount: 3)
        #expect(mistakes.map(\.index) == [4, 1, 3, 2])
        #expect(mistakes.map(\.label) == [0, 2, 0, 2])
        #expect(mistakes.map(\.answer) == [1, 1, 2, 0])
        #expect(mistakes.map(\.confidence) == [0.75, 0.6, 0.6, 0.4])
        #expect(Mistake.all(scores: [0.9, 0.1], labels: [0], classCount: 2).isEmpty)
    }

    @Test func theSheetShowsEachImageInvertedAndEnlargedWithItsCaption() throws {
        let test = try MNIST.load(.test, from: mnistFolder)
        // 13 mistakes: two rows, the second with one tile.
        let mistakes = (0..<13).map { Mistake(index: 100 + $0, label: Int(test.labels[100 + $0]), answer: 0, confidence: 0.5) }
        let folder = TemporaryFolder()
        try MistakeSheet.write(mistakes, images: test, to: folder.path + "/sheet.png")
        let sheet = try PictureFile.read(from: folder.path + "/sheet.png")
        let (scale, gap, tileWidth, tileHeight) = (3, 12, 84, 84 + 28)
        #expect(sheet.width == gap + 12 * (tileWidth + gap) && sheet.height == gap + 2 * (tileHeight + gap))
        // `gray` is the picture's luminance: each MNIST pixel, inverted, fills a 3 × 3 block of its tile.
        for (n, mistake) in mistakes.enumerated() {
            let (x0, y0) = (gap + n % 12 * (tileWidth + gap), gap + n / 12 * (tileHeight + gap))
            let image = Array(test.image(mistake.index))
            let drawn = (0..<28 * 28).map { i in
                sheet.gray[(y0 + i / 28 * scale + 1) * sheet.width + x0 + i % 28 * scale + 1]
            }
            #expect(drawn == image.map { 255 - $0 }, "tile \(n)")
            // The caption: ink under the image, none beside the last tile of the second row.
            let caption = (y0 + 84 + 3..<y0 + tileHeight).flatMap { y in (x0..<x0 + tileWidth).map { sheet.gray[y * sheet.width + $0] } }
            #expect(caption.contains { $0 < 200 }, "tile \(n)")
        }
        #expect(sheet.gray[(sheet.height - 20) * sheet.width + sheet.width - 20] == 255)
    }

    @Test func noMoreThanTheLimitIsDrawn() throws {
        let test = try MNIST.load(.test, from: mnistFolder)
        let many = (0..<MistakeSheet.limit + 50).map { Mistake(index: $0, label: 1, answer: 2, confidence: 0.9) }
        let folder = TemporaryFolder()
        try MistakeSheet.write(many, images: test, to: folder.path + "/sheet.png")
        let sheet = try PictureFile.read(from: folder.path + "/sheet.png")
        #expect(sheet.height == 12 + (MistakeSheet.limit + 11) / 12 * (84 + 28 + 12))
    }
}
