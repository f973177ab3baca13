import Foundation
import Testing
@testable import DigitsCore

/// Pieces that are not one digit, made from real MNIST digits through the reader's own preparation.
@Suite struct NotDigitsTests {
    static let digits = Result { try MNIST.load(.training, from: mnistFolder).subset(0..<300) }

    @Test func piecesAreLabelledNoneAndDrawnByTheSeed() throws {
        let digits = try Self.digits.get()
        let pieces = NotDigits.pieces(from: digits, count: 30, seed: 7)
        #expect(pieces.count == 30)
        #expect(pieces.labels.allSatisfy { $0 == NotDigits.label } && NotDigits.label == 10)
        #expect(NotDigits.pieces(from: digits, count: 30, seed: 7).pixels == pieces.pixels)
        #expect(NotDigits.pieces(from: digits, count: 30, seed: 8).pixels != pieces.pixels)
        expectPreparedAsMNIST(pieces)
    }

    @Test func noPieceIsADigitOfTheSet() throws {
        // Two digits as one, a slice of one, one with a slice of its neighbour: never one of the digits as it was.
        let digits = try Self.digits.get()
        expectNoneIsWhole(NotDigits.pieces(from: digits, count: 60, seed: 1), of: digits)
    }

    @Test func piecesArePartOfTrainingWithAUniformTarget() throws {
        // A network trained on pieces alone learns to answer them with ten equal scores: their target.
        let pieces = NotDigits.pieces(from: try Self.digits.get(), count: 200, seed: 2)
        var settings = smallSoftmaxSettings(hidden: 16, epochs: 8)
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
