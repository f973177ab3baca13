import ArgumentParser
import Testing
@testable import digits

@Suite struct TrainFlagsTests {
    @Test func defaultsAreNielsens() throws {
        let train = try Train.parse([])
        #expect(train.data == "data/mnist")
        #expect(train.model == "models/digits.model")
        #expect(train.layers.sizes == [784, 30, 10])
        #expect(train.epochs == 30 && train.batchSize == 10 && train.eta == 3.0)
        #expect(train.seed == 1 && train.validation == 10_000)
    }

    @Test func readsEveryFlag() throws {
        let train = try Train.parse([
            "--data", "elsewhere", "--model", "m.model", "--layers", "784,100,10", "--epochs", "5",
            "--batch-size", "20", "--eta", "0.5", "--seed", "9", "--validation", "0",
        ])
        #expect(train.data == "elsewhere" && train.model == "m.model")
        #expect(train.layers.sizes == [784, 100, 10])
        #expect(train.epochs == 5 && train.batchSize == 20 && train.eta == 0.5)
        #expect(train.seed == 9 && train.validation == 0)
    }

    @Test func acceptsDeeperNetworks() throws {
        #expect(try Train.parse(["--layers", "784, 64,32 ,10"]).layers.sizes == [784, 64, 32, 10])
    }

    @Test(arguments: [
        ["--epochs", "0"],
        ["--batch-size", "0"],
        ["--eta", "-1"],
        ["--eta", "0"],
        ["--eta", "nan"],
        ["--eta", "inf"],
        ["--validation", "-5"],
        ["--layers", "100,30,10"],
        ["--layers", "784,30,9"],
        ["--layers", "784"],
        ["--layers", "784,0,10"],
        ["--layers", "784,x,10"],
        ["--layers", "784,,10"],
        ["--seed", "-1"],
        ["--epochs", "many"],
        ["--unknown"],
    ])
    func rejectsMisuse(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try Train.parse(arguments) }
        // ArgumentParser turns these into usage errors: exit status 64.
        do {
            _ = try Train.parse(arguments)
        } catch {
            #expect(Train.exitCode(for: error) == .validationFailure)
        }
    }
}

@Suite struct EvaluateFlagsTests {
    @Test func defaults() throws {
        let evaluate = try Evaluate.parse([])
        #expect(evaluate.data == "data/mnist" && evaluate.model == "models/digits.model" && !evaluate.json)
    }

    @Test func readsEveryFlag() throws {
        let evaluate = try Evaluate.parse(["--data", "d", "--model", "m", "--json"])
        #expect(evaluate.data == "d" && evaluate.model == "m" && evaluate.json)
    }
}

@Suite struct FormattingTests {
    @Test func groupsThousands() {
        #expect(grouped(0) == "0")
        #expect(grouped(999) == "999")
        #expect(grouped(1_000) == "1,000")
        #expect(grouped(50_000) == "50,000")
        #expect(grouped(1_234_567) == "1,234,567")
        #expect(grouped(-4_200) == "-4,200")
    }

    @Test func percentHasTwoDecimals() {
        #expect(percent(0.9512) == "95.12%")
        #expect(percent(1) == "100.00%")
    }
}
