import DigitsCore
import Testing

struct ConfidenceTableTests {
    @Test func keepsTheAnswersAtLeastAsSureAsEachThreshold() {
        // Three classes. Image 0: 0.7 sure and right. Image 1: a tie between classes 1 and 2, answered 1 (the first
        // largest), wrong, 0.45 sure. Image 2: sigmoid-like scores with a negative one, 2 of 2 = fully sure, right.
        // Image 3: 0.5 sure exactly (kept at 0.5), answered 0, wrong.
        let scores: [Float] = [0.7, 0.2, 0.1, 0.1, 0.45, 0.45, 2, -1, 0, 0.5, 0.5, 0]
        let table = ConfidenceTable(scores: scores, labels: [0, 2, 0, 1], classCount: 3, thresholds: [0.4, 0.5, 0.9, 1.5])
        #expect(table.total == 4)
        #expect(table.rows.map(\.threshold) == [0.4, 0.5, 0.9, 1.5])
        #expect(table.rows.map(\.answered) == [4, 3, 1, 0])
        #expect(table.rows.map(\.correct) == [2, 2, 1, 0])
    }

    @Test func confidenceIsTheBestScoresShare() {
        #expect(confidence([0.25, 0.75]) == 0.75)
        #expect(confidence([3, 1, -2]) == 0.75)
        #expect(confidence([0, 0, 0]) == 0)
        #expect(confidence([-1, -0.5]) == 0)
    }

    @Test func theDefaultThresholdsAreThoseEvaluateReports() {
        let table = ConfidenceTable(scores: [0.2, 0.8], labels: [1], classCount: 2)
        #expect(table.rows.map(\.threshold) == [0.5, 0.9, 0.99, 0.999])
        #expect(table.rows.map(\.answered) == [1, 0, 0, 0])
    }
}
