import Foundation
@testable import DigitsCore

/// A number written with MNIST test digits in a row, as a person writes one: the digits' ink boxes `gap` MNIST
/// pixels apart (0: boxes touching; negative: overlapping, so that strokes touch), sizes varying a little, along
/// a sloping, uneven baseline. Drawn by a `PictureStyle` like the single-digit pictures.
struct NumberPicture {
    /// How far apart the digits are written.
    enum Spacing: String, CaseIterable, Sendable {
        case wide, normal, narrow, touching, overlapping

        /// Between ink boxes, in MNIST pixels (a digit is about 20 tall).
        var gap: Float {
            switch self {
            case .wide: 9
            case .normal: 4
            case .narrow: 1.5
            case .touching: 0
            case .overlapping: -2
            }
        }
    }

    /// Indices of MNIST test digits, left to right.
    var digits: [Int]
    var spacing: Spacing
    /// Rise of the baseline per MNIST pixel along the number.
    var slope: Float = 0
    /// Up-and-down wander of each digit, in MNIST pixels.
    var wobble: Float = 0
    /// Each digit's size varies by up to this fraction.
    var sizeVariation: Float = 0
    /// Signs written before some digits, by the digit's position: "." a decimal point (a dot on the baseline),
    /// "-" a minus sign or hyphen (a short stroke at mid-height), "," a comma (a dot on the baseline whose tail
    /// falls below it to the left, or the tail alone).
    var signs: [Int: Character] = [:]

    /// The number in MNIST's pixels (0 = background, 255 = ink) with a margin of 4 pixels around its ink.
    func field(_ test: LabeledImages, seed: UInt64) -> (pixels: [UInt8], width: Int, height: Int) {
        var generator = SplitMix64(seed: seed)
        func uniform() -> Float { Float(generator.nextUnit()) * 2 - 1 }
        // Placed ink: canvas coordinates of each digit's ink box and its scale.
        var placed: [(index: Int, x: Float, y: Float, scale: Float, box: (x0: Int, y0: Int, x1: Int, y1: Int))] = []
        // Strokes of the signs: each a segment from its middle `half` long either way along (dx, dy), inked to half
        // its thickness round it (a dot: a segment of no length).
        var marks: [(x: Float, y: Float, half: Float, thickness: Float, dx: Float, dy: Float)] = []
        func segment(_ x: Float, _ y: Float, length: Float, thickness: Float, tilt: Float) {
            let norm = (1 + tilt * tilt).squareRoot()
            marks.append((x, y, length / 2, thickness, 1 / norm, tilt / norm))
        }
        // How far down a comma's tail reaches, below the digits perhaps.
        var tailsEnd = -Float.infinity
        var x: Float = 0
        for (position, index) in digits.enumerated() {
            if let sign = signs[position] {
                // A sign needs paper on both sides, however closely the digits are written.
                let space = max(spacing.gap, 1.5) + 1.5 * Float(generator.nextUnit())
                if position > 0 { x += space - spacing.gap }
                switch sign {
                case ".":
                    let size = 2.5 + 1.5 * Float(generator.nextUnit())
                    segment(x + size / 2, 40 - slope * x + 0.5 * uniform() - size / 2, length: 0, thickness: size, tilt: 0)
                    x += size + space
                case ",":
                    // The head on the baseline; the tail 4 to 7 pixels long, 10° to 40° from upright, from the
                    // head's middle down to the left; half the commas a stroke alone, as thick as the tail.
                    let head = 2.5 + 1.5 * Float(generator.nextUnit())
                    let thickness = 1.8 + 0.7 * Float(generator.nextUnit())
                    let length = 4 + 3 * Float(generator.nextUnit())
                    let lean = (10 + 30 * Float(generator.nextUnit())) * .pi / 180
                    let (dx, dy) = (-sin(lean), cos(lean))
                    let reach = length * -dx
                    let (hx, hy) = (x + reach + head / 2, 40 - slope * x + 0.5 * uniform() - head / 2)
                    if generator.nextIndex(below: 2) == 0 { segment(hx, hy, length: 0, thickness: head, tilt: 0) }
                    marks.append((hx + dx * length / 2, hy + dy * length / 2, length / 2, thickness, dx, dy))
                    tailsEnd = max(tailsEnd, hy + dy * length + thickness / 2)
                    x += reach + head + space
                default:
                    let (size, thickness) = (5 + 4 * Float(generator.nextUnit()), 2 + Float(generator.nextUnit()))
                    let height = 20 * (0.4 + 0.15 * Float(generator.nextUnit()))
                    segment(x + size / 2, 40 - slope * x - height, length: size, thickness: thickness, tilt: -slope + 0.1 * uniform())
                    x += size + space
                }
            }
            let image = Array(test.image(index))
            let columns = (0..<28).filter { c in (0..<28).contains { image[$0 * 28 + c] > 0 } }
            let rows = (0..<28).filter { r in (0..<28).contains { image[r * 28 + $0] > 0 } }
            let box = (columns.first ?? 0, rows.first ?? 0, columns.last ?? 27, rows.last ?? 27)
            let scale = 1 + sizeVariation * uniform()
            // Bottoms on the baseline: the ink's lowest row at y.
            let y = 40 - slope * x + wobble * uniform() - Float(box.3 + 1 - box.1) * scale
            placed.append((index, x, y, scale, box))
            x += Float(box.2 + 1 - box.0) * scale + spacing.gap
        }
        let minY = placed.map(\.y).min()!
        let maxY = max(placed.map { $0.y + Float($0.box.y1 + 1 - $0.box.y0) * $0.scale }.max()!, tailsEnd)
        let margin: Float = 4
        let width = Int((x - spacing.gap + 2 * margin).rounded(.up)) + 1
        let height = Int((maxY - minY + 2 * margin).rounded(.up)) + 1
        var field = [Float](repeating: 0, count: width * height)
        for mark in marks {
            // Ink where the distance to the segment is within half its thickness, its edge smoothed over a pixel.
            let (cx, cy) = (mark.x + margin, mark.y - minY + margin)
            let (half, dx, dy) = (mark.half, mark.dx, mark.dy)
            let reach = half + mark.thickness
            for fy in max(0, Int(cy - reach))..<min(height, Int(cy + reach) + 2) {
                for fx in max(0, Int(cx - reach))..<min(width, Int(cx + reach) + 2) {
                    let (u, v) = (Float(fx) + 0.5 - cx, Float(fy) + 0.5 - cy)
                    let along = max(-half, min(half, u * dx + v * dy))
                    let distance = ((u - along * dx) * (u - along * dx) + (v - along * dy) * (v - along * dy)).squareRoot()
                    let value = 255 * max(0, min(1, mark.thickness / 2 + 0.5 - distance))
                    field[fy * width + fx] = max(field[fy * width + fx], value)
                }
            }
        }
        for p in placed {
            let image = Array(test.image(p.index))
            let (left, top) = (p.x + margin, p.y - minY + margin)
            let w = Int((Float(p.box.x1 + 1 - p.box.x0) * p.scale).rounded(.up)) + 2
            let h = Int((Float(p.box.y1 + 1 - p.box.y0) * p.scale).rounded(.up)) + 2
            for j in -1..<h {
                for i in -1..<w {
                    let (fx, fy) = (Int(left) + i, Int(top) + j)
                    guard fx >= 0, fx < width, fy >= 0, fy < height else { continue }
                    // Back into the digit's own pixels, bilinearly.
                    let u = (Float(fx) + 0.5 - left) / p.scale + Float(p.box.x0) - 0.5
                    let v = (Float(fy) + 0.5 - top) / p.scale + Float(p.box.y0) - 0.5
                    let (u0, v0) = (Int(u.rounded(.down)), Int(v.rounded(.down)))
                    let (au, av) = (u - Float(u0), v - Float(v0))
                    func at(_ a: Int, _ b: Int) -> Float {
                        (0..<28).contains(a) && (0..<28).contains(b) ? Float(image[b * 28 + a]) : 0
                    }
                    let value = at(u0, v0) * (1 - au) * (1 - av) + at(u0 + 1, v0) * au * (1 - av)
                        + at(u0, v0 + 1) * (1 - au) * av + at(u0 + 1, v0 + 1) * au * av
                    field[fy * width + fx] = max(field[fy * width + fx], value)
                }
            }
        }
        return (field.map { UInt8(min(255, $0.rounded())) }, width, height)
    }

    /// The number as a person's picture in `style`, which gives the look; the canvas is sized to the number.
    func render(_ test: LabeledImages, style: PictureStyle, seed: UInt64) -> (rgba: [UInt8], width: Int, height: Int) {
        style.renderNumber(field(test, seed: seed), seed: seed)
    }

    /// The number the digits and signs spell.
    func text(_ test: LabeledImages) -> String {
        digits.enumerated().map { position, index in (signs[position].map(String.init) ?? "") + String(test.labels[index]) }.joined()
    }
}

/// Numbers written one under another, as on a page: each line a `NumberPicture`, its ink `gap` MNIST pixels below
/// the ink of the line above (a digit is about 20 tall), moved right by its `indent`.
struct NumberLines {
    var lines: [NumberPicture]
    var gap: Float
    var indents: [Int]

    /// The lines in MNIST's pixels (0 = background, 255 = ink), with a margin of 4 pixels around their ink.
    func field(_ test: LabeledImages, seed: UInt64) -> (pixels: [UInt8], width: Int, height: Int) {
        let fields = lines.enumerated().map { k, line in line.field(test, seed: seed &* 31 &+ UInt64(k)) }
        // Each line's field has 4 pixels of margin round its ink.
        var tops: [Int] = [0]
        for field in fields.dropLast() { tops.append(tops.last! + field.height - 8 + Int(gap.rounded())) }
        let width = zip(fields, indents).map { $0.width + $1 }.max()!
        let height = tops.last! + fields.last!.height
        var pixels = [UInt8](repeating: 0, count: width * height)
        for ((field, top), indent) in zip(zip(fields, tops), indents) {
            for y in 0..<field.height {
                for x in 0..<field.width {
                    let i = (top + y) * width + indent + x
                    pixels[i] = max(pixels[i], field.pixels[y * field.width + x])
                }
            }
        }
        return (pixels, width, height)
    }

    /// The lines as a person's picture in `style`, as `NumberPicture.render` draws one line.
    func render(_ test: LabeledImages, style: PictureStyle, seed: UInt64) -> (rgba: [UInt8], width: Int, height: Int) {
        style.renderNumber(field(test, seed: seed), seed: seed)
    }

    /// The lines' numbers, top to bottom, separated by spaces: what `NumberReading.text` should give.
    func text(_ test: LabeledImages) -> String { lines.map { $0.text(test) }.joined(separator: " ") }
}

/// A number written into a form: one MNIST digit to a box, the boxes apart (`boxes`) or in a row sharing their
/// walls (`grid`), or a row of digits with a frame drawn round it (`frame`). The lines are 1 MNIST pixel thick (a
/// stroke is about 2), `lineInk` strong (255: as strong as the ink; a printed form's grey is lighter); each digit
/// sits in its box moved by up to `jitter` MNIST pixels, sometimes touching a wall.
struct BoxedNumber {
    enum Kind: String, CaseIterable, Sendable { case boxes, grid, frame }

    var digits: [Int]
    var kind: Kind
    var lineInk: UInt8 = 255
    var jitter = 3

    /// The form in MNIST's pixels (0 = background, 255 = ink), with a margin of 4 pixels round its lines.
    func field(_ test: LabeledImages, seed: UInt64) -> (pixels: [UInt8], width: Int, height: Int) {
        var generator = SplitMix64(seed: seed)
        if kind == .frame {
            // The row of digits, 6 pixels of paper, the frame.
            let row = NumberPicture(digits: digits, spacing: .normal, wobble: 1.5, sizeVariation: 0.1).field(test, seed: seed)
            let (width, height) = (row.width + 14, row.height + 14)
            var pixels = [UInt8](repeating: 0, count: width * height)
            for y in 0..<row.height { for x in 0..<row.width { pixels[(y + 7) * width + x + 7] = row.pixels[y * row.width + x] } }
            draw(box: (4, 4, width - 5, height - 5), into: &pixels, width: width)
            return (pixels, width, height)
        }
        // Boxes 25 pixels square, 4 apart or sharing walls; each digit's centre at its box's, moved by the jitter.
        let (side, pitch) = (25, kind == .boxes ? 29 : 25)
        let (width, height) = (8 + pitch * (digits.count - 1) + side + 1, 8 + side + 1)
        var pixels = [UInt8](repeating: 0, count: width * height)
        for (k, index) in digits.enumerated() {
            let (left, top) = (4 + k * pitch, 4)
            draw(box: (left, top, left + side, top + side), into: &pixels, width: width)
            let dx = generator.nextIndex(below: 2 * jitter + 1) - jitter, dy = generator.nextIndex(below: 2 * jitter + 1) - jitter
            let image = Array(test.image(index))
            for y in 0..<28 {
                for x in 0..<28 {
                    let (fx, fy) = (left - 1 + dx + x, top - 1 + dy + y)
                    guard (0..<width).contains(fx), (0..<height).contains(fy) else { continue }
                    pixels[fy * width + fx] = max(pixels[fy * width + fx], image[y * 28 + x])
                }
            }
        }
        return (pixels, width, height)
    }

    private func draw(box: (x0: Int, y0: Int, x1: Int, y1: Int), into pixels: inout [UInt8], width: Int) {
        for x in box.x0...box.x1 {
            for y in [box.y0, box.y1] { pixels[y * width + x] = max(pixels[y * width + x], lineInk) }
        }
        for y in box.y0...box.y1 {
            for x in [box.x0, box.x1] { pixels[y * width + x] = max(pixels[y * width + x], lineInk) }
        }
    }

    /// The form as a person's picture in `style`, as `NumberPicture.render` draws a number.
    func render(_ test: LabeledImages, style: PictureStyle, seed: UInt64) -> (rgba: [UInt8], width: Int, height: Int) {
        style.renderNumber(field(test, seed: seed), seed: seed)
    }

    func text(_ test: LabeledImages) -> String { digits.map { String(test.labels[$0]) }.joined() }
}

/// A notebook's ruled lines drawn over a picture: `spacing` pixels apart, `thickness` thick, in `ink` (where the
/// picture is lighter), sloping by `slope`, one of them along the lowest ink of the number, which stands on it;
/// with `squared`, columns as far apart as well (squared paper), square to the lines.
struct NotebookRuling {
    var spacing: Int
    var thickness: Int
    var ink: (UInt8, UInt8, UInt8) = (110, 110, 110)
    var slope: Float = 0
    var squared = false

    func draw(on rgba: inout [UInt8], width: Int, height: Int) {
        // The lowest row with ink (darker than 100), and the middle of that ink.
        let base = (0..<height).last { y in (0..<width).contains { rgba[4 * (y * width + $0)] < 100 } } ?? height / 2
        let inked = (0..<width).filter { rgba[4 * (base * width + $0)] < 100 }
        let middle = inked.isEmpty ? width / 2 : inked[inked.count / 2]
        let colour = [ink.0, ink.1, ink.2]
        func darken(_ x: Int, _ y: Int) {
            guard (0..<width).contains(x) && (0..<height).contains(y) else { return }
            for c in 0..<3 { rgba[4 * (y * width + x) + c] = min(rgba[4 * (y * width + x) + c], colour[c]) }
        }
        for k in -(height / spacing + 2)...(height / spacing + 2) {
            for x in 0..<width {
                let y = base - 1 + k * spacing + Int((slope * Float(x - middle)).rounded())
                for row in y..<y + thickness { darken(x, row) }
            }
        }
        guard squared else { return }
        for k in -(width / spacing + 2)...(width / spacing + 2) {
            for y in 0..<height {
                let x = middle + spacing / 2 + k * spacing - Int((slope * Float(y - base)).rounded())
                for column in x..<x + thickness { darken(column, y) }
            }
        }
    }
}

/// A photo's desk: everything outside the paper's rectangle (`paper`: x, y, width, height) painted a dark,
/// grained wood, as when the paper does not fill the frame.
struct Desk {
    var paper: (x: Int, y: Int, width: Int, height: Int)
    var colour: (Float, Float, Float) = (80, 56, 38)

    func draw(on rgba: inout [UInt8], width: Int, height: Int, seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let phase = Float(generator.nextUnit()) * 6
        for y in 0..<height {
            for x in 0..<width where !(paper.x..<paper.x + paper.width).contains(x)
                || !(paper.y..<paper.y + paper.height).contains(y) {
                let grain = 1 + 0.12 * sin(Float(y) / 9 + phase + 0.8 * sin(Float(x) / 140))
                    + 0.05 * (Float(generator.nextUnit()) - 0.5)
                let c = [colour.0, colour.1, colour.2].map { UInt8(max(0, min(255, $0 * grain))) }
                for k in 0..<3 { rgba[4 * (y * width + x) + k] = c[k] }
                rgba[4 * (y * width + x) + 3] = 255
            }
        }
    }
}

/// The hard-edged shadow of something between the light and the page (a phone, a hand): beyond a straight edge
/// through `point` at `angle`, the light falls to `darkness` of itself, over a penumbra `softness` pixels wide.
struct Shadow {
    var point: (x: Float, y: Float)
    var angle: Float
    var darkness: Float
    var softness: Float = 2

    func draw(on rgba: inout [UInt8], width: Int, height: Int) {
        let (nx, ny) = (cos(angle), sin(angle))
        for y in 0..<height {
            for x in 0..<width {
                let d = (Float(x) - point.x) * nx + (Float(y) - point.y) * ny
                let t = min(1, max(0, (d + softness) / (2 * softness)))
                let light = 1 - (1 - darkness) * t
                guard light < 1 else { continue }
                for k in 0..<3 { rgba[4 * (y * width + x) + k] = UInt8((Float(rgba[4 * (y * width + x) + k]) * light).rounded()) }
            }
        }
    }
}

extension PictureStyle {
    /// A field of MNIST's pixels (0 = background, 255 = ink) holding a number, drawn in this style as a person's
    /// picture of it: at most 4 canvas pixels to each of MNIST's, on a canvas a quarter larger than the field (more
    /// for the style that places it off-centre, less for the small one).
    func renderNumber(_ field: (pixels: [UInt8], width: Int, height: Int), seed: UInt64)
        -> (rgba: [UInt8], width: Int, height: Int) {
        var style = self
        style.scale = min(scale, 4)
        let room: Float = name == "small" ? 1.1 : name == "large and off-centre" ? 1.8 : 1.25
        style.canvas = (Int(Float(field.width) * style.scale * room), Int(Float(field.height) * style.scale * room))
        return (style.render(field: field.pixels, width: field.width, height: field.height, seed: seed),
                style.canvas.width, style.canvas.height)
    }
}
