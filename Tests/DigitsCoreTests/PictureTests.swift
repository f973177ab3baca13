import CTurboJPEG
import Foundation
import Testing
@testable import DigitsCore

/// The shipped model, which `digits predict` uses by default.
let committedModel = Result { try ModelFile.read(from: repositoryRoot.appendingPathComponent("models/best.model").path).network }

/// MNIST test digits handed in as people hand them in, through real PNG files, libpng and the preparation,
/// against the same digits read straight from the IDX file by the same model.
@Suite struct PictureTests {
    static let test = Result { try MNIST.load(.test, from: mnistFolder) }

    /// Counts digits read right from pictures (as PNG, and as JPEG when `jpeg` is given) and from IDX, for test
    /// digits `digits` drawn by `picture`.
    private func readings(of digits: Range<Int>, picture: (Int) -> (style: PictureStyle, encoder: PNGWriter),
                          jpeg: ((Int) -> JPEGWriter)? = nil) throws -> (png: Int, jpeg: Int, idx: Int, misses: [String]) {
        let network = try committedModel.get()
        let test = try Self.test.get()
        let folder = TemporaryFolder()
        var (png, jpegRight, idx, misses) = (0, 0, 0, [String]())
        for i in digits {
            let (style, encoder) = picture(i)
            let rgba = style.render(test.image(i), seed: UInt64(i))
            let (width, height) = style.canvas
            let path = folder.write("\(i).png", encoder.encode(rgba: rgba, width: width, height: height))
            let label = Int(test.labels[i])
            if network.classify(test.image(i).map { Float($0) / 255 }) == label { idx += 1 }
            if network.classify(try DigitPreparation.prepare(PictureFile.read(from: path)).networkInput) == label {
                png += 1
            } else {
                misses.append("#\(i) \(style) as \(encoder.colorType) \(encoder.bitDepth)-bit")
            }
            if let writer = jpeg?(i) {
                let path = folder.write("\(i).jpg", writer.encode(rgba: rgba, width: width, height: height))
                let image = try PictureFile.read(from: path, minimumSide: DigitPreparation.decodingSide)
                if network.classify(try DigitPreparation.prepare(image).networkInput) == label {
                    jpegRight += 1
                } else {
                    misses.append("#\(i) \(style) as JPEG quality \(writer.quality)")
                }
            }
        }
        return (png, jpegRight, idx, misses)
    }

    /// Dark ink on white paper, enlarged, in every colour type and bit depth (interlaced or not): within 2
    /// points of the same digits read from IDX.
    @Test func cleanPicturesInEveryEncodingReadWithinTwoPointsOfIDX() throws {
        let style = PictureStyle(name: "dark on white", scale: 4, canvas: (150, 130), position: (0.3, 0.6))
        let (png, _, idx, misses) = try readings(of: 0..<160) { i in (style, pngEncodings[i % pngEncodings.count]) }
        #expect(png >= idx - 160 * 2 / 100, "pictures \(png)/160, IDX \(idx)/160; missed \(misses)")
    }

    /// Every way of handing a digit in (tinted, unevenly lit, noisy, blurred, speckled, transparent, small…):
    /// within 2 points of the same digits read from IDX; and the same pictures saved as JPEG at quality 50 to 95
    /// within 1 point of them as PNG.
    @Test func picturesOfEveryStyleReadWithinTwoPointsOfIDX() throws {
        let styles = PictureStyle.all.map { style -> PictureStyle in
            var small = style
            small.scale = min(style.scale, 4)
            small.canvas = (min(style.canvas.width, 150), min(style.canvas.height, 130))
            return small
        }
        let count = 330
        let (png, jpeg, idx, misses) = try readings(of: 0..<count, picture: { i in
            let style = styles[i % styles.count]
            let encodings = style.transparent ? pngEncodings.filter(\.hasAlpha) : pngEncodings
            return (style, encodings[(i / styles.count) % encodings.count])
        }, jpeg: { i in jpegEncodings[i % jpegEncodings.count] })
        #expect(png >= idx - count * 2 / 100, "pictures \(png)/\(count), IDX \(idx)/\(count); missed \(misses)")
        #expect(jpeg >= png - count / 100, "JPEG \(jpeg)/\(count), PNG \(png)/\(count); missed \(misses)")
    }

    /// Writes 2,200 pictures (test digits 0..<2,200, each style in turn, every encoding) as `NNNNN-LABEL.png`, and
    /// each again as `NNNNN-LABEL.jpg` (the JPEG encodings in turn, quality 50 to 95), into the folder named by
    /// DIGITS_PICTURE_SET, for `scripts/picture-accuracy`; skipped without it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIGITS_PICTURE_SET"] != nil))
    func writePictureSet() throws {
        let folder = try #require(ProcessInfo.processInfo.environment["DIGITS_PICTURE_SET"])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let test = try NumberPictureTests.digits()
        let styles = PictureStyle.all
        for i in 0..<2_200 {
            let style = styles[i % styles.count]
            let encodings = style.transparent ? pngEncodings.filter(\.hasAlpha) : pngEncodings
            let encoder = encodings[(i / styles.count) % encodings.count]
            let rgba = style.render(test.image(i), seed: UInt64(i))
            let name = String(format: "%05d-%d", i, test.labels[i])
            let (width, height) = style.canvas
            let png = encoder.encode(rgba: rgba, width: width, height: height)
            #expect(FileManager.default.createFile(atPath: folder + "/" + name + ".png", contents: Data(png)))
            let jpeg = jpegEncodings[i % jpegEncodings.count].encode(rgba: rgba, width: width, height: height)
            #expect(FileManager.default.createFile(atPath: folder + "/" + name + ".jpg", contents: Data(jpeg)))
        }
    }
}

/// Numbers written with MNIST test digits, read whole.
@Suite struct NumberPictureTests {
    /// The measured set: 1 to 8 digits at every spacing, `perCell` pictures each, in every style in turn, as PNG
    /// (even) or JPEG (odd); named `NNNN-SPACING-NUMBER.png|jpg`.
    static func set(perCell: Int) -> [(name: String, number: NumberPicture, style: PictureStyle, png: Bool)] {
        var pictures: [(String, NumberPicture, PictureStyle, Bool)] = []
        for length in 1...8 {
            for spacing in NumberPicture.Spacing.allCases {
                for _ in 0..<perCell {
                    let k = pictures.count
                    var generator = SplitMix64(seed: UInt64(k) &* 7919 &+ 17)
                    let digits = (0..<length).map { _ in generator.nextIndex(below: 10_000) }
                    let number = NumberPicture(digits: digits, spacing: spacing,
                                               slope: Float(generator.nextUnit() - 0.5) * 0.3,
                                               wobble: 1.5, sizeVariation: 0.1)
                    let style = PictureStyle.all[k % PictureStyle.all.count]
                    pictures.append((String(format: "%04d-%@", k, spacing.rawValue), number, style, k % 2 == 0))
                }
            }
        }
        return pictures
    }

    /// MNIST's test digits, or with DIGITS_SOURCE=validation the last 10,000 training digits (the ones training
    /// holds out), for tuning the reading without looking at the test set.
    static func digits() throws -> LabeledImages {
        ProcessInfo.processInfo.environment["DIGITS_SOURCE"] == "validation"
            ? try MNIST.load(.training, from: mnistFolder).holdingOutLast(10_000).heldOut
            : try PictureTests.test.get()
    }

    /// Writes `set(perCell: 25)` into the folder named by DIGITS_NUMBER_SET, for `scripts/number-accuracy`;
    /// skipped without it; the digits are those of `digits()`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIGITS_NUMBER_SET"] != nil))
    func writeNumberSet() throws {
        try Self.writeNumbers(into: try #require(ProcessInfo.processInfo.environment["DIGITS_NUMBER_SET"]), light: 1)
    }

    /// The same pictures underexposed, every pixel at 35% of its light (a dim room, grey paper), PNGs of 8 and 16
    /// bits only (at 4 bits or fewer, little of the ink is left at this light), into the folder named by
    /// DIGITS_DIM_SET, for `scripts/number-accuracy --dim`; skipped without it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIGITS_DIM_SET"] != nil))
    func writeDimSet() throws {
        try Self.writeNumbers(into: try #require(ProcessInfo.processInfo.environment["DIGITS_DIM_SET"]), light: 0.35)
    }

    /// Picture `k` of a set of numbers as a PNG (in turn, the encodings `among` that can hold its style: alpha for
    /// a transparent one) or as a JPEG (the JPEG encodings in turn).
    static func encoded(_ rgba: [UInt8], width: Int, height: Int, style: PictureStyle, k: Int, png: Bool,
                        among encodings: [PNGWriter] = pngEncodings) -> [UInt8] {
        guard png else { return jpegEncodings[k / 2 % jpegEncodings.count].encode(rgba: rgba, width: width, height: height) }
        let fitting = encodings.filter { !style.transparent || $0.hasAlpha }
        return fitting[k / 2 % fitting.count].encode(rgba: rgba, width: width, height: height)
    }

    static func writeNumbers(into folder: String, light: Float) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let test = try Self.digits()
        for (k, (name, number, style, png)) in Self.set(perCell: 25).enumerated() {
            var (rgba, width, height) = number.render(test, style: style, seed: UInt64(k))
            for i in rgba.indices where i % 4 != 3 { rgba[i] = UInt8((Float(rgba[i]) * light).rounded()) }
            let bytes = Self.encoded(rgba, width: width, height: height, style: style, k: k, png: png,
                                     among: pngEncodings.filter { light == 1 || $0.bitDepth >= 8 })
            let path = folder + "/" + name + "-" + number.text(test) + (png ? ".png" : ".jpg")
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        }
    }

    /// Numbers written small in large photos: 2 to 6 digits (normal spacing, sloping, uneven) 40, 60 and 80 pixels
    /// tall on unevenly lit, noisy canvases of 1,600 × 1,200, 2,400 × 1,800 and 4,000 × 3,000 pixels, placed at
    /// random, 10 of each, as JPEGs of quality 85; named `NNNN-WIDTHpxHEIGHT-NUMBER.jpg` (e.g. `0042-2400px60-314.jpg`).
    /// Written into the folder named by DIGITS_PHOTO_SET for `scripts/number-accuracy --photos`; skipped without it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIGITS_PHOTO_SET"] != nil))
    func writePhotoSet() throws {
        let folder = try #require(ProcessInfo.processInfo.environment["DIGITS_PHOTO_SET"])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let test = try Self.digits()
        var k = 0
        for (width, height) in [(1_600, 1_200), (2_400, 1_800), (4_000, 3_000)] {
            // A digit's ink is about 20 of MNIST's pixels tall.
            for digitHeight in [40, 60, 80] {
                for _ in 0..<10 {
                    var generator = SplitMix64(seed: UInt64(k) &* 104_729 &+ 3)
                    let digits = (0..<2 + generator.nextIndex(below: 5)).map { _ in generator.nextIndex(below: 10_000) }
                    let number = NumberPicture(digits: digits, spacing: .normal,
                                               slope: Float(generator.nextUnit() - 0.5) * 0.3,
                                               wobble: 1.5, sizeVariation: 0.1)
                    var style = PictureStyle(name: "photo", lightFalloff: 0.35, noise: 6)
                    style.scale = Float(digitHeight) / 20
                    style.canvas = (width, height)
                    style.position = (Float(generator.nextUnit()), Float(generator.nextUnit()))
                    let (pixels, fieldWidth, fieldHeight) = number.field(test, seed: UInt64(k))
                    let rgba = style.render(field: pixels, width: fieldWidth, height: fieldHeight, seed: UInt64(k))
                    let bytes = JPEGWriter(pixels: .rgb(TJSAMP_420), quality: 85).encode(rgba: rgba, width: width, height: height)
                    let path = folder + String(format: "/%04d-%dpx%d-", k, width, digitHeight) + number.text(test) + ".jpg"
                    #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
                    k += 1
                }
            }
        }
    }

    /// Numbers written on ruled paper: 2 to 6 digits (normal spacing, uneven) standing on one of a notebook's
    /// lines, in pictures 900 pixels wide (PNG, digits 40 and 60 pixels tall) and photos 2,400 wide (JPEG of quality
    /// 85, unevenly lit and noisy, digits 60 and 90 pixels tall), 25 of each; the lines 1.4 digits apart, 2 or 3
    /// pixels thick, grey, blue or light grey, sloping by up to 2%. Named `NNNN-WIDTHpxHEIGHT-NUMBER.png` (or
    /// `.jpg`) as the photos are. Written into the folder named by DIGITS_RULED_SET for
    /// `scripts/number-accuracy --ruled`; skipped without it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIGITS_RULED_SET"] != nil))
    func writeRuledSet() throws {
        try Self.writeNotebookSet(into: #require(ProcessInfo.processInfo.environment["DIGITS_RULED_SET"]), squared: false)
    }

    /// The same numbers on squared paper: ruled lines and columns as far apart, joined into one grid. Written into
    /// the folder named by DIGITS_SQUARED_SET for `scripts/number-accuracy --squared`; skipped without it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIGITS_SQUARED_SET"] != nil))
    func writeSquaredSet() throws {
        try Self.writeNotebookSet(into: #require(ProcessInfo.processInfo.environment["DIGITS_SQUARED_SET"]), squared: true)
    }

    static func writeNotebookSet(into folder: String, squared: Bool) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let test = try Self.digits()
        let inks: [(UInt8, UInt8, UInt8)] = [(110, 110, 110), (120, 150, 220), (170, 170, 170)]
        var k = 0
        for (width, height, digitHeights) in [(900, 400, [40, 60]), (2_400, 1_800, [60, 90])] {
            for digitHeight in digitHeights {
                for _ in 0..<25 {
                    var generator = SplitMix64(seed: UInt64(k) &* 7_919 &+ 11)
                    let digits = (0..<2 + generator.nextIndex(below: 5)).map { _ in generator.nextIndex(below: 10_000) }
                    let number = NumberPicture(digits: digits, spacing: .normal, wobble: 1, sizeVariation: 0.1)
                    let photo = width > 1_000
                    var style = PictureStyle(name: "ruled", lightFalloff: photo ? 0.3 : 0, noise: photo ? 6 : 3)
                    style.scale = Float(digitHeight) / 20
                    style.canvas = (width, height)
                    style.position = (0.1 + 0.8 * Float(generator.nextUnit()), 0.2 + 0.6 * Float(generator.nextUnit()))
                    let (pixels, fieldWidth, fieldHeight) = number.field(test, seed: UInt64(k))
                    var rgba = style.render(field: pixels, width: fieldWidth, height: fieldHeight, seed: UInt64(k))
                    NotebookRuling(spacing: Int(1.4 * Float(digitHeight)), thickness: 2 + k % 2, ink: inks[k % 3],
                                   slope: Float(generator.nextUnit() - 0.5) * 0.04, squared: squared)
                        .draw(on: &rgba, width: width, height: height)
                    let bytes = photo
                        ? JPEGWriter(pixels: .rgb(TJSAMP_420), quality: 85).encode(rgba: rgba, width: width, height: height)
                        : PNGWriter(colorType: .rgba, bitDepth: 8).encode(rgba: rgba, width: width, height: height)
                    let path = folder + String(format: "/%04d-%dpx%d-", k, width, digitHeight) + number.text(test)
                        + (photo ? ".jpg" : ".png")
                    #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
                    k += 1
                }
            }
        }
    }

    /// Numbers on paper that does not fill the photo: 2 to 6 digits (normal spacing, uneven), 60 and 90 pixels
    /// tall, on 2,400 × 1,800 JPEG photos (quality 85, unevenly lit, noisy) where a dark wooden desk shows on one
    /// side or two (a corner), over 10% to 40% of the width or height, 50 of each height. Named
    /// `NNNN-2400pxHEIGHT-NUMBER.jpg` as the photos are. Written into the folder named by DIGITS_DESK_SET for
    /// `scripts/number-accuracy --desk`; skipped without it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIGITS_DESK_SET"] != nil))
    func writeDeskSet() throws {
        let folder = try #require(ProcessInfo.processInfo.environment["DIGITS_DESK_SET"])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let test = try Self.digits()
        let (width, height) = (2_400, 1_800)
        var k = 0
        for digitHeight in [60, 90] {
            for _ in 0..<50 {
                var generator = SplitMix64(seed: UInt64(k) &* 6_661 &+ 17)
                let digits = (0..<2 + generator.nextIndex(below: 5)).map { _ in generator.nextIndex(below: 10_000) }
                let number = NumberPicture(digits: digits, spacing: .normal, wobble: 1, sizeVariation: 0.1)
                // The desk on the left or right, the top or bottom, or both of one pair (a corner).
                func cut(_ side: Int) -> Int { Int((0.1 + 0.3 * Float(generator.nextUnit())) * Float(side)) }
                var paper = (x: 0, y: 0, width: width, height: height)
                let sides = k % 3 == 2 ? [0, 1] : [k % 3]
                for side in sides {
                    let (far, amount) = (generator.nextIndex(below: 2) == 1, cut(side == 0 ? width : height))
                    if side == 0 { paper.width -= amount; if !far { paper.x = amount } }
                    else { paper.height -= amount; if !far { paper.y = amount } }
                }
                var style = PictureStyle(name: "desk", lightFalloff: 0.3, noise: 6)
                style.scale = Float(digitHeight) / 20
                style.canvas = (width, height)
                let (pixels, fieldWidth, fieldHeight) = number.field(test, seed: UInt64(k))
                // Somewhere on the paper, a digit's height from its edges.
                let (w, h) = (Float(fieldWidth) * style.scale, Float(fieldHeight) * style.scale)
                let (x0, x1) = (Float(paper.x + digitHeight), Float(paper.x + paper.width - digitHeight) - w)
                let (y0, y1) = (Float(paper.y + digitHeight), Float(paper.y + paper.height - digitHeight) - h)
                let (x, y) = (x0 + (x1 - x0) * Float(generator.nextUnit()), y0 + (y1 - y0) * Float(generator.nextUnit()))
                style.position = (x / (Float(width) - w), y / (Float(height) - h))
                var rgba = style.render(field: pixels, width: fieldWidth, height: fieldHeight, seed: UInt64(k))
                Desk(paper: paper).draw(on: &rgba, width: width, height: height, seed: UInt64(k))
                let bytes = JPEGWriter(pixels: .rgb(TJSAMP_420), quality: 85).encode(rgba: rgba, width: width, height: height)
                let path = folder + String(format: "/%04d-%dpx%d-", k, width, digitHeight) + number.text(test) + ".jpg"
                #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
                k += 1
            }
        }
    }

    /// Numbers on a sheet of paper lying on a dark wooden desk that shows all round it: the sheet covers 15% to
    /// 60% of the photo (often less than the desk), 0.8 to 1.4 times as wide as tall, anywhere in it; 2 to 6
    /// digits (normal spacing, uneven), 60 and 90 pixels tall, somewhere on the sheet; 2,400 × 1,800 JPEG photos
    /// (quality 85, unevenly lit, noisy), 50 of each height. Named `NNNN-2400pxHEIGHT-NUMBER.jpg` as the photos
    /// are. Written into the folder named by DIGITS_SHEET_SET for `scripts/number-accuracy --sheet`; skipped
    /// without it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIGITS_SHEET_SET"] != nil))
    func writeSheetSet() throws {
        let folder = try #require(ProcessInfo.processInfo.environment["DIGITS_SHEET_SET"])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let test = try Self.digits()
        var (k, attempt) = (0, 0)
        for digitHeight in [60, 90] {
            for _ in 0..<50 {
                var photo: (rgba: [UInt8], text: String)?
                repeat {
                    attempt += 1
                    photo = Self.sheetPhoto(test, digitHeight: digitHeight, seed: UInt64(attempt))
                } while photo == nil
                let (rgba, text) = try #require(photo)
                let bytes = JPEGWriter(pixels: .rgb(TJSAMP_420), quality: 85).encode(rgba: rgba, width: 2_400, height: 1_800)
                let path = folder + String(format: "/%04d-2400px%d-", k, digitHeight) + text + ".jpg"
                #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
                k += 1
            }
        }
    }

    /// Numbers across the hard edge of a shadow (a phone or a hand between the lamp and the page): 2 to 6 digits
    /// (normal spacing, uneven), 60 and 240 pixels tall, on 2,400 × 1,800 JPEG photos (quality 85, unevenly lit,
    /// noisy); the shadow's edge, at any angle, runs through the number's box, and beyond it the light falls to 45%
    /// to 75%, over a penumbra of 1 to 4 pixels. 50 of each height, named `NNNN-2400pxHEIGHT-NUMBER.jpg` as the
    /// photos are. Written into the folder named by DIGITS_SHADOW_SET for `scripts/number-accuracy --shadow`;
    /// skipped without it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIGITS_SHADOW_SET"] != nil))
    func writeShadowSet() throws {
        let folder = try #require(ProcessInfo.processInfo.environment["DIGITS_SHADOW_SET"])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let test = try Self.digits()
        for k in 0..<100 {
            let (rgba, text, digitHeight) = Self.shadowPhoto(test, k)
            let bytes = JPEGWriter(pixels: .rgb(TJSAMP_420), quality: 85).encode(rgba: rgba, width: 2_400, height: 1_800)
            let path = folder + String(format: "/%04d-2400px%d-", k, digitHeight) + text + ".jpg"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        }
    }

    /// Numbers in two or three lines, one under another: 1 to 6 digits a line (normal or narrow spacing, uneven,
    /// the lines sloping alike by up to 0.1), each line's ink 3, 6 or 12 MNIST pixels below the line above (a digit
    /// is about 20 tall), moved right by up to a digit's width; 100 of each gap, in the 11 styles in turn, as PNG
    /// (even) or JPEG (odd). Named `NNNN-gapG-NUMBERS.png|jpg`, the lines' numbers joined by `_`
    /// (`0007-gap6-31_4159.png`). Written into the folder named by DIGITS_LINES_SET for `scripts/number-accuracy
    /// --lines`; skipped without it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIGITS_LINES_SET"] != nil))
    func writeLinesSet() throws {
        try Self.writePictures(into: "DIGITS_LINES_SET") { k, test in
            let (lines, style) = Self.linesPicture(k)
            let name = String(format: "%04d-gap%d-", k, Int(lines.gap)) + lines.text(test).replacingOccurrences(of: " ", with: "_")
            return (lines.render(test, style: style, seed: UInt64(k)), style, name, k % 2 == 0)
        }
    }

    /// Writes 300 pictures into the folder named by the environment variable `variable`: picture `k` of `test`'s
    /// digits, its style, its name without extension and whether it is a PNG (else a JPEG), from `make`.
    static func writePictures(into variable: String, count: Int = 300, _ make: (Int, LabeledImages)
        -> (picture: (rgba: [UInt8], width: Int, height: Int), style: PictureStyle, name: String, png: Bool)) throws {
        let folder = try #require(ProcessInfo.processInfo.environment[variable])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let test = try digits()
        for k in 0..<count {
            let ((rgba, width, height), style, name, png) = make(k, test)
            let bytes = encoded(rgba, width: width, height: height, style: style, k: k, png: png)
            #expect(FileManager.default.createFile(atPath: folder + "/" + name + (png ? ".png" : ".jpg"), contents: Data(bytes)))
        }
    }

    /// Numbers written into forms: 1 to 6 digits, one to a box (boxes apart, or in a row sharing their walls), or a
    /// row of digits with a frame round it, 100 of each; the lines as strong as the ink or lighter (a printed
    /// form's grey), in the 11 styles in turn, as PNG (even) or JPEG (odd). Named `NNNN-KIND-NUMBER.png|jpg`
    /// (`0004-grid-2026.png`). Written into the folder named by DIGITS_BOXES_SET for `scripts/number-accuracy
    /// --boxes`; skipped without it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIGITS_BOXES_SET"] != nil))
    func writeBoxesSet() throws {
        try Self.writePictures(into: "DIGITS_BOXES_SET") { k, test in
            var generator = SplitMix64(seed: UInt64(k) &* 4_513 &+ 7)
            let form = BoxedNumber(digits: (0..<1 + generator.nextIndex(below: 6)).map { _ in generator.nextIndex(below: 10_000) },
                                   kind: BoxedNumber.Kind.allCases[k % 3], lineInk: [140, 200, 255][k / 3 % 3])
            let style = PictureStyle.all[k % PictureStyle.all.count]
            let name = String(format: "%04d-", k) + form.kind.rawValue + "-" + form.text(test)
            return (form.render(test, style: style, seed: UInt64(k)), style, name, k / 3 % 2 == 0)
        }
    }

    /// Numbers with signs: 100 with a decimal point (2 to 6 digits), 100 with a minus sign before them (1 to 5 digits,
    /// half with a decimal point too), 100 of 2 or 3 groups of 1 to 4 digits joined by hyphens (a date, a code)
    /// and 100 with commas (a decimal comma, or thousands apart), written wide, normally or narrowly, in the 11
    /// styles in turn, as PNG or JPEG. Named `NNNN-KIND-NUMBER.png|jpg`, a minus sign or hyphen written "m" and a
    /// comma "c" (`0001-minus-m3.5.jpg`, `0300-comma-1c250.png`). Written into the folder named by
    /// DIGITS_SIGNS_SET for `scripts/number-accuracy --signs`; skipped without it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIGITS_SIGNS_SET"] != nil))
    func writeSignsSet() throws {
        try Self.writePictures(into: "DIGITS_SIGNS_SET", count: 400) { k, test in
            let (number, kind) = Self.signedNumber(k)
            let style = PictureStyle.all[k % PictureStyle.all.count]
            let name = String(format: "%04d-", k) + kind + "-"
                + number.text(test).replacingOccurrences(of: "-", with: "m").replacingOccurrences(of: ",", with: "c")
            return (number.render(test, style: style, seed: UInt64(k)), style, name, k / 3 % 2 == 0)
        }
    }

    /// Number `k` of `writeSignsSet` and its kind: point, minus or hyphen (the first 300, in turn), or comma.
    static func signedNumber(_ k: Int) -> (number: NumberPicture, kind: String) {
        var generator = SplitMix64(seed: UInt64(k) &* 3_571 &+ 17)
        let kind = k < 300 ? ["point", "minus", "hyphen"][k % 3] : "comma"
        var signs: [Int: Character] = [:]
        let count: Int
        switch kind {
        case "point":
            count = 2 + generator.nextIndex(below: 5)
            signs[1 + generator.nextIndex(below: count - 1)] = "."
        case "minus":
            count = 1 + generator.nextIndex(below: 5)
            signs[0] = "-"
            if count > 1 && generator.nextIndex(below: 2) == 0 { signs[1 + generator.nextIndex(below: count - 1)] = "." }
        case "comma" where k % 2 == 0:
            // A decimal comma: 3,14 or 0,5.
            count = 2 + generator.nextIndex(below: 5)
            signs[1 + generator.nextIndex(below: count - 1)] = ","
        case "comma":
            // Thousands apart: 1 to 3 digits, then one or two groups of three (1,250 or 12,500,000).
            let lead = 1 + generator.nextIndex(below: 3), groups = 1 + generator.nextIndex(below: 2)
            count = lead + 3 * groups
            for g in 0..<groups { signs[lead + 3 * g] = "," }
        default:
            var lengths = (0..<2 + generator.nextIndex(below: 2)).map { _ in 1 + generator.nextIndex(below: 4) }
            count = lengths.reduce(0, +)
            lengths.removeLast()
            var position = 0
            for length in lengths {
                position += length
                signs[position] = "-"
            }
        }
        let spacing: NumberPicture.Spacing = [.wide, .normal, .narrow][generator.nextIndex(below: 3)]
        let slope = Float(generator.nextUnit() - 0.5) * 0.2
        let number = NumberPicture(digits: (0..<count).map { _ in generator.nextIndex(below: 10_000) }, spacing: spacing,
                                   slope: slope, wobble: 1.5, sizeVariation: 0.1, signs: signs)
        return (number, kind)
    }

    /// Picture `k` of `writeLinesSet`: its lines and its style.
    static func linesPicture(_ k: Int) -> (lines: NumberLines, style: PictureStyle) {
        var generator = SplitMix64(seed: UInt64(k) &* 6_151 &+ 41)
        let slope = Float(generator.nextUnit() - 0.5) * 0.2
        let lines = (0..<2 + generator.nextIndex(below: 2)).map { _ in
            NumberPicture(digits: (0..<1 + generator.nextIndex(below: 6)).map { _ in generator.nextIndex(below: 10_000) },
                          spacing: generator.nextIndex(below: 2) == 0 ? .normal : .narrow,
                          slope: slope, wobble: 1.5, sizeVariation: 0.1)
        }
        let indents = lines.map { _ in generator.nextIndex(below: 20) }
        return (NumberLines(lines: lines, gap: [3, 6, 12][k / 100], indents: indents), PictureStyle.all[k % PictureStyle.all.count])
    }

    /// Photo `k` of `writeShadowSet` (2,400 × 1,800), its number and its digits' height.
    static func shadowPhoto(_ test: LabeledImages, _ k: Int) -> (rgba: [UInt8], text: String, digitHeight: Int) {
        let (width, height) = (2_400, 1_800)
        let digitHeight = k < 50 ? 60 : 240
        var generator = SplitMix64(seed: UInt64(k) &* 7_727 &+ 29)
        let digits = (0..<2 + generator.nextIndex(below: 5)).map { _ in generator.nextIndex(below: 10_000) }
        let number = NumberPicture(digits: digits, spacing: .normal, wobble: 1, sizeVariation: 0.1)
        var style = PictureStyle(name: "shadow", lightFalloff: 0.3, noise: 6)
        style.scale = Float(digitHeight) / 20
        style.canvas = (width, height)
        let (pixels, fieldWidth, fieldHeight) = number.field(test, seed: UInt64(k))
        let (w, h) = (Float(fieldWidth) * style.scale, Float(fieldHeight) * style.scale)
        style.position = (Float(generator.nextUnit()), Float(generator.nextUnit()))
        var rgba = style.render(field: pixels, width: fieldWidth, height: fieldHeight, seed: UInt64(k))
        let (x, y) = (style.position.x * (Float(width) - w), style.position.y * (Float(height) - h))
        let shadow = Shadow(point: (x + w * Float(generator.nextUnit()), y + h * Float(generator.nextUnit())),
                            angle: 2 * Float.pi * Float(generator.nextUnit()),
                            darkness: 0.45 + 0.3 * Float(generator.nextUnit()),
                            softness: 1 + 3 * Float(generator.nextUnit()))
        shadow.draw(on: &rgba, width: width, height: height)
        return (rgba, number.text(test), digitHeight)
    }

    /// One photo of `writeSheetSet` and its number, or nil when the sheet drawn with `seed` is too small for the
    /// number.
    private static func sheetPhoto(_ test: LabeledImages, digitHeight: Int, seed: UInt64) -> (rgba: [UInt8], text: String)? {
        let (width, height) = (2_400, 1_800)
        var generator = SplitMix64(seed: seed &* 7_919 &+ 5)
        let digits = (0..<2 + generator.nextIndex(below: 5)).map { _ in generator.nextIndex(below: 10_000) }
        let number = NumberPicture(digits: digits, spacing: .normal, wobble: 1, sizeVariation: 0.1)
        let share = 0.15 + 0.45 * Float(generator.nextUnit()), aspect = 0.8 + 0.6 * Float(generator.nextUnit())
        let sheetWidth = min(width - 40, Int((share * Float(width * height) * aspect).squareRoot()))
        let sheetHeight = min(height - 40, Int(share * Float(width * height)) / sheetWidth)
        let sheet = (x: 20 + generator.nextIndex(below: width - sheetWidth - 39),
                     y: 20 + generator.nextIndex(below: height - sheetHeight - 39), width: sheetWidth, height: sheetHeight)
        var style = PictureStyle(name: "desk", lightFalloff: 0.3, noise: 6)
        style.scale = Float(digitHeight) / 20
        style.canvas = (width, height)
        let (pixels, fieldWidth, fieldHeight) = number.field(test, seed: seed)
        // Somewhere on the sheet, a digit's height from its edges.
        let (w, h) = (Float(fieldWidth) * style.scale, Float(fieldHeight) * style.scale)
        let (x0, x1) = (Float(sheet.x + digitHeight), Float(sheet.x + sheet.width - digitHeight) - w)
        let (y0, y1) = (Float(sheet.y + digitHeight), Float(sheet.y + sheet.height - digitHeight) - h)
        guard x1 > x0, y1 > y0 else { return nil }
        let (x, y) = (x0 + (x1 - x0) * Float(generator.nextUnit()), y0 + (y1 - y0) * Float(generator.nextUnit()))
        style.position = (x / (Float(width) - w), y / (Float(height) - h))
        var rgba = style.render(field: pixels, width: fieldWidth, height: fieldHeight, seed: seed)
        Desk(paper: sheet).draw(on: &rgba, width: width, height: height, seed: seed)
        return (rgba, number.text(test))
    }
}
