import Testing
@testable import DigitsCore

/// What reads digits for the number reader: a scorer keeps its working memory from one input to the next, and what
/// it gives must not depend on what it read before.
@Suite struct ClassifierTests {
    /// Two of the shipped models, one of each kind: a convolutional network and the dense MLP.
    static let shipped = Result {
        try ["models/deep-seed2.model", "models/mlp.model"].map {
            try ModelFile.read(from: repositoryRoot.appendingPathComponent($0).path).network
        }
    }

    @Test func aScorerGivesEachInputTheScoresOfAFreshPass() throws {
        let test = try PictureTests.test.get()
        let members = try Self.shipped.get()
        let classifiers: [any Classifier] = members + [Committee(members)]
        let inputs = (0..<6).map { i in test.image(i).map { Float($0) / 255 } }
        for classifier in classifiers {
            let scorer = classifier.scorer()
            // Each input twice, in two orders: the second reading follows a different first.
            for (n, input) in (inputs + inputs.reversed()).enumerated() {
                let fresh = classifier.scores(input)
                #expect(scorer(input) == fresh, "input \(n)")
                #expect(fresh.count == 10 && abs(fresh.reduce(0, +) - 1) < 1e-4)
            }
        }
    }
}
