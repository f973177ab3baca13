import Foundation
import Testing
@testable import DigitsCore

/// Pieces that are not one digit, made from real MNIST digits through the reader's own preparation.
@Suite struct NotDigitsTests {
    static let digits = Result { try MNIST.load(.training, from: mnistFolder).subset(0..<300) }

    @Test func piecesAreLabelledNoneAndDrawnByTheSeed() throws {
        let digits = try Self.digits.get()
        let pieces = NotDigits.pieces(from: digits, count: 30, seed: 7)
        #expect(pieces.count == 30 && pieces.rows == 28 && pieces.columns == 28)
        #expect(pieces.labels.allSatisfy { $0 == NotDigits.label } && NotDigits.label == 10)
        #expect(NotDigits.pieces(from: digits, count: 30, seed: 7).pixels == pieces.pixels)
        #expect(NotDigits.pieces(from: digits, count: 30, seed: 8).pixels != pieces.pixels)
        for i in 0..<pieces.count {
            let image = Array(pieces.image(i))
            // Prepared as MNIST's digits are: strong ink, in a 20-pixel box, centred by mass in the 28 × 28 field.
            #expect(image.max()! > 200, "piece \(i) has no strong ink")
            let rows = (0..<28).filter { r in (0..<28).contains { image[r * 28 + $0] > 0 } }
            let columns = (0..<28).filter { c in (0..<28).contains { image[$0 * 28 + c] > 0 } }
            #expect(max(rows.last! - rows.first!, columns.last! - columns.first!) + 1 <= 24, "piece \(i)")
            let mass = image.reduce(0) { $0 + Float($1) }
            let x = (0..<784).reduce(Float(0)) { $0 + Float(image[$1]) * (Float($1 % 28) + 0.5) } / mass
            let y = (0..<784).reduce(Float(0)) { $0 + Float(image[$1]) * (Float($1 / 28) + 0.5) } / mass
            #expect(abs(x - 14) < 2 && abs(y - 14) < 2, "piece \(i) centred at (\(x), \(y))")
        }
    }

    @Test func noPieceIsADigitOfTheSet() throws {
        // Two digits as one, a slice of one, one with a slice of its neighbour: never one of the digits as it was.
        let digits = try Self.digits.get()
        let pieces = NotDigits.pieces(from: digits, count: 60, seed: 1)
        let whole = Set((0..<digits.count).map { Array(digits.image($0)) })
        for i in 0..<pieces.count { #expect(!whole.contains(Array(pieces.image(i))), "piece \(i)") }
    }

    @Test func piecesArePartOfTrainingWithAUniformTarget() throws {
        // A network trained on pieces alone learns to answer them with ten equal scores: their target.
        let pieces = NotDigits.pieces(from: try Self.digits.get(), count: 200, seed: 2)
        var settings = TrainingSettings(sizes: [784, 16, 10], epochs: 8, batchSize: 10, learningRate: 0.1, seed: 1)
        settings.hiddenActivation = .relu
        settings.outputActivation = .softmax
        settings.cost = .crossEntropy
        settings.initialization = .he
        let network = try #require(try Trainer(settings: settings).train(on: pieces, validation: nil).network)
        let scores = network.scores(Array(pieces.image(0)).map { Float($0) / 255 })
        #expect(scores.allSatisfy { abs($0 - 0.1) < 0.02 }, "\(scores)")
        // Trained on digits with pieces made from them, a network is less sure of pieces it has not seen than one
        // trained on the digits alone.
        let digits = try Self.digits.get()
        let unseen = NotDigits.pieces(from: digits, count: 100, seed: 99)
        func meanConfidence(_ network: Network) -> Float {
            (0..<unseen.count).reduce(0) { $0 + network.scores(Array(unseen.image($1)).map { Float($0) / 255 }).max()! } / 100
        }
        let alone = try #require(try Trainer(settings: settings).train(on: digits, validation: nil).network)
        settings.notDigits = 300
        let taught = try #require(try Trainer(settings: settings).train(on: digits, validation: nil).network)
        #expect(meanConfidence(taught) < meanConfidence(alone) - 0.1, "\(meanConfidence(taught)) against \(meanConfidence(alone))")
    }
}
