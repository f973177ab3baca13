import ArgumentParser
import DigitsCore
import Testing
@testable import digits

@Suite struct TrainFlagsTests {
    @Test func defaultsAreNielsens() throws {
        let train = try Train.parse([])
        // No --data: the lookup of Home.swift, which from the clone's root finds its data/mnist.
        let data = try Home.data(train.data, for: [.training, .test])
        #expect(train.data == nil && data == "data/mnist")
        #expect(train.model == "models/digits.model")
        #expect(train.settings == .nielsen)
        #expect(train.settings.sizes == [784, 30, 10])
        #expect(train.settings.epochs == 30 && train.settings.batchSize == 10 && train.settings.learningRate == 3.0)
        #expect(train.settings.seed == 1 && train.validation == 10_000)
        #expect(train.settings.cost == .quadratic && train.settings.augmentation.isNone && train.settings.patience == nil)
        #expect(train.settings.starts == 3)
        #expect(!train.force)
    }

    @Test func presetsAreTheirRecipes() throws {
        #expect(try Train.parse(["--preset", "best"]).settings == .best)
        #expect(try Train.parse(["--preset", "nielsen"]).settings == .nielsen)
        #expect(try Train.parse(["--preset", "mlp"]).settings == .mlp)
        let deep = try Train.parse(["--preset", "deep"]).settings
        #expect(deep.architecture?.description == "1x28x28-20C5-MP2-40C3-40C3-MP2-150N-D0.5-10N")
        var bestLayers = deep
        bestLayers.architecture = TrainingSettings.best.architecture
        #expect(deep == .deep && bestLayers == .best)
        let deepBN = try Train.parse(["--preset", "deep-bn"]).settings
        #expect(deepBN.architecture?.description == "1x28x28-20C5-BN-MP2-40C3-BN-40C3-BN-MP2-150N-D0.5-10N")
        var deepLayers = deepBN
        deepLayers.architecture = TrainingSettings.deep.architecture
        #expect(deepBN == .deepBN && deepLayers == .deep)
        let network3 = try Train.parse(["--preset", "network3"]).settings
        #expect(network3 == .network3)
        #expect(network3.architecture?.description == "1x28x28-20C5-MP2-40C5-MP2-100N-10N" && network3.sizes == [784, 10])
        #expect(network3.epochs == 60 && network3.batchSize == 10 && network3.learningRate == 0.03 && network3.l2 == 1)
        #expect(network3.hiddenActivation == .relu && network3.outputActivation == .softmax && network3.cost == .crossEntropy)
    }

    @Test func layersTakeTheNotationOfAnyKind() throws {
        let convnet = try Train.parse(["--layers", "1x28x28-8C5-MP2-10N"]).settings
        #expect(convnet.architecture == (try Architecture("1x28x28-8C5-MP2-10N")) && convnet.sizes == [784, 10])
        // Dense layers alone are a dense network, on its fast path, however they are written.
        let dense = try Train.parse(["--layers", "784-30N-10N"]).settings
        #expect(dense.architecture == nil && dense.sizes == [784, 30, 10])
        // A convnet preset is replaced by neurons per layer.
        let mlp = try Train.parse(["--preset", "network3", "--layers", "784,100,10"]).settings
        #expect(mlp.architecture == nil && mlp.sizes == [784, 100, 10])
    }

    @Test func dropoutGoesBeforeEveryDenseLayerButTheFirst() throws {
        let network3 = try Train.parse(["--preset", "network3", "--dropout", "0.5"]).settings
        #expect(network3.architecture?.description == "1x28x28-20C5-MP2-40C5-MP2-D0.5-100N-D0.5-10N")
        let mlp = try Train.parse(["--dropout", "0.25"]).settings
        #expect(mlp.architecture?.description == "784-30N-D0.25-10N")
        // A rate replaces the one there; 0 takes dropout away.
        let again = try Train.parse(["--layers", "1x28x28-8C5-MP2-D0.5-50N-10N", "--dropout", "0.2"]).settings
        #expect(again.architecture?.description == "1x28x28-8C5-MP2-D0.2-50N-D0.2-10N")
        #expect(try Train.parse(["--layers", "784-D0.5-30N-10N", "--dropout", "0"]).settings.sizes == [784, 30, 10])
    }

    @Test(arguments: [
        ("1x28x28-20C30-10N", "20C30"),
        ("1x28x28-20C5-XX-10N", "XX"),
        ("1x28x28-20C5-MP2-100000N-100000N-10N", "100000N"),
        ("1x28x28-20C5-MP2-9N", "10N"),
        ("2x28x28-10N", "1x28x28"),
        ("1x28x28-D1.5-10N", "D1.5"),
    ])
    func badArchitecturesAreUsageErrorsNamingThePart(_ layers: String, _ named: String) {
        do {
            _ = try Train.parse(["--layers", layers])
            Issue.record("\(layers) was accepted")
        } catch {
            #expect(Train.exitCode(for: error) == .validationFailure)
            #expect(Train.message(for: error).contains(named), "\(Train.message(for: error))")
        }
    }

    @Test func readsEveryFlag() throws {
        let train = try Train.parse([
            "--data", "elsewhere", "--model", "m.model", "--layers", "784,100,10", "--epochs", "5",
            "--batch-size", "20", "--eta", "0.5", "--seed", "9", "--starts", "5", "--validation", "0",
            "--hidden", "relu", "--output", "softmax", "--cost", "cross-entropy", "--init", "he", "--l2", "5",
            "--momentum", "0.9", "--shift", "2", "--rotate", "10", "--scale", "0.1", "--elastic", "34",
            "--elastic-sigma", "4.5", "--force",
        ])
        #expect(train.data == "elsewhere" && train.model == "m.model" && train.validation == 0 && train.force)
        var expected = TrainingSettings(sizes: [784, 100, 10], epochs: 5, batchSize: 20, learningRate: 0.5, seed: 9)
        expected.starts = 5
        expected.hiddenActivation = .relu
        expected.outputActivation = .softmax
        expected.cost = .crossEntropy
        expected.initialization = .he
        expected.l2 = 5
        expected.momentum = 0.9
        expected.augmentation = Augmentation(shift: 2, rotation: 10, scale: 0.1, elasticAlpha: 34, elasticSigma: 4.5)
        #expect(train.settings == expected)
    }

    @Test func flagsOverrideThePreset() throws {
        let train = try Train.parse(["--preset", "mlp", "--epochs", "3", "--elastic", "0", "--patience", "0"])
        var expected = TrainingSettings.mlp
        expected.epochs = 3
        expected.augmentation.elasticAlpha = 0
        expected.patience = nil
        #expect(train.settings == expected)
        let halving = try Train.parse(["--patience", "10", "--halvings", "7"]).settings.patience
        #expect(halving == .init(epochs: 10, halvings: 7))
        #expect(try Train.parse(["--preset", "mlp", "--halvings", "0"]).settings.patience == .init(epochs: 4, halvings: 0))
    }

    @Test func piecesThatAreNotDigitsAreTheBestPresetsAndCanBeChanged() throws {
        #expect(try Train.parse(["--preset", "best"]).settings.notDigits == 15_000)
        #expect(try Train.parse(["--preset", "network3"]).settings.notDigits == 0)
        let changed = try Train.parse(["--preset", "best", "--not-digits", "500"]).settings
        #expect(changed.notDigits == 500)
        #expect(describe(changed).contains { $0.contains("500 pieces that are not one digit") })
        #expect(try Train.parse(["--preset", "best", "--not-digits", "0"]).settings.notDigits == 0)
    }

    @Test func digitsCutFromPairsAreTheBestPresetsAndCanBeChanged() throws {
        #expect(try Train.parse(["--preset", "best"]).settings.digitsInContext == 15_000)
        #expect(try Train.parse(["--preset", "network3"]).settings.digitsInContext == 0)
        let changed = try Train.parse(["--preset", "best", "--digits-in-context", "700"]).settings
        #expect(changed.digitsInContext == 700 && changed.notDigits == 15_000)
        #expect(describe(changed).contains { $0.contains("700 digits cut from touching pairs") })
        #expect(try Train.parse(["--preset", "best", "--digits-in-context", "0"]).settings.digitsInContext == 0)
    }

    @Test func fixedHalvingsReplaceThePatienceRule() throws {
        let train = try Train.parse(["--preset", "best", "--validation", "0", "--halve-at", "17,28,34,39", "--epochs", "42"])
        var expected = TrainingSettings.best
        (expected.patience, expected.halvingEpochs, expected.epochs) = (nil, [17, 28, 34, 39], 42)
        #expect(train.settings == expected && train.validation == 0)
        #expect(describe(train.settings).contains { $0.contains("halve eta at the start of epochs 17, 28, 34, 39") })
    }

    @Test func acceptsDeeperNetworks() throws {
        #expect(try Train.parse(["--layers", "784, 64,32 ,10"]).settings.sizes == [784, 64, 32, 10])
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
        ["--starts", "0"],
        ["--starts", "101"],
        ["--epochs", "many"],
        ["--unknown"],
        ["--preset", "fast"],
        ["--layers", "784,1048576,1048576,10"],
        ["--batch-size", "100000000"],
        ["--hidden", "softmax"],
        ["--hidden", "tanh"],
        ["--output", "relu"],
        ["--cost", "hinge"],
        ["--cost", "cross-entropy", "--output", "identity"],
        ["--init", "zeros"],
        ["--l2", "-1"],
        ["--momentum", "1"],
        ["--momentum", "-0.1"],
        ["--patience", "-1"],
        ["--patience", "3", "--validation", "0"],
        ["--preset", "best", "--validation", "0"],
        ["--halvings", "65"],
        ["--not-digits", "-1"],
        ["--not-digits", "1000001"],
        ["--digits-in-context", "-1"],
        ["--digits-in-context", "1000001"],
        ["--halve-at", "0"],
        ["--halve-at", "5,3"],
        ["--halve-at", "3,3"],
        ["--halve-at", "3,,5"],
        ["--halve-at", "three"],
        ["--halve-at", ""],
        ["--halve-at", "3", "--patience", "2"],
        ["--preset", "best", "--halve-at", "3", "--halvings", "2"],
        ["--shift", "-1"],
        ["--rotate", "400"],
        ["--scale", "1"],
        ["--elastic", "nan"],
        ["--elastic-sigma", "0"],
        ["--dropout", "1"],
        ["--dropout", "-0.1"],
        ["--preset", "network3", "--dropout", "nan"],
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
        #expect(evaluate.data == nil && evaluate.model.isEmpty && !evaluate.json)
        let (data, models) = (try Home.data(evaluate.data, for: [.test]), try Home.models(evaluate.model))
        #expect(data == "data/mnist" && models == Home.shippedModels && models.count == 7)
        #expect(try Home.model(nil) == "models/best.model")
    }

    @Test func readsEveryFlag() throws {
        let evaluate = try Evaluate.parse(["--data", "d", "--model", "m", "--json"])
        #expect(evaluate.data == "d" && evaluate.model == ["m"] && evaluate.json)
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
