#!/usr/bin/env python3
"""The page of `digits serve` in a real browser: headless Chromium, driven by Selenium.

Usage: page_test.py DIGITS-BINARY [SCREENSHOT-FOLDER]

Starts `digits serve` on a free port, draws each digit 0-9 on the canvas with pointer actions (strokes a person
would make) and reads the digit the page shows, writes a three-digit number and reads it back with a 28×28 per
digit, has it read a PNG and a phone's JPEG photo (stored on its side,
turned upright by its EXIF orientation) chosen with its file button, checks that an answer without a JSON body is
shown by its status, checks that "Inside the network" draws every level the network computed for the digit
chosen (feature maps, neurons, the ten outputs), opens the model report and checks that its curve, confusion
matrix, table of answers kept by confidence, gallery and first layer's kernels are drawn, looks at the page on a
phone held upright (a digit) and sideways (a number), and sends a burst of 1,000 concurrent bad requests, after
which a good one must still be answered. Screenshots go to SCREENSHOT-FOLDER when given. Exit status 0 when
the page reads at least 8 of the 10 digits and everything else works.
"""
import asyncio
import json
import math
import os
import re
import struct
import subprocess
import sys
import time
import urllib.request
import zlib

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def circle(cx, cy, rx, ry, start=-90, end=270, steps=28):
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in (start + (end - start) * i / steps for i in range(steps + 1))]


# Strokes in a unit square (x right, y down), one list of points per stroke, as a person draws each digit.
DIGITS = {
    0: [circle(0.5, 0.5, 0.2, 0.32)],
    1: [[(0.42, 0.27), (0.52, 0.17), (0.52, 0.83)]],
    2: [[(0.3, 0.33), (0.36, 0.22), (0.5, 0.17), (0.64, 0.22), (0.68, 0.34), (0.6, 0.48), (0.3, 0.8), (0.72, 0.8)]],
    3: [[(0.3, 0.24), (0.5, 0.16), (0.66, 0.24), (0.64, 0.38), (0.48, 0.47), (0.66, 0.56), (0.68, 0.7),
         (0.52, 0.82), (0.3, 0.76)]],
    4: [[(0.58, 0.17), (0.3, 0.6), (0.74, 0.6)], [(0.6, 0.36), (0.6, 0.85)]],
    5: [[(0.68, 0.19), (0.38, 0.19), (0.34, 0.47), (0.5, 0.43), (0.66, 0.52), (0.68, 0.69), (0.52, 0.81),
         (0.32, 0.75)]],
    6: [[(0.62, 0.17), (0.46, 0.3), (0.36, 0.5), (0.35, 0.7), (0.46, 0.82), (0.6, 0.8), (0.66, 0.67),
         (0.58, 0.55), (0.44, 0.55), (0.36, 0.63)]],
    7: [[(0.3, 0.2), (0.72, 0.2), (0.46, 0.83)]],
    8: [circle(0.5, 0.33, 0.14, 0.15, 90, -270) + circle(0.5, 0.66, 0.17, 0.17, -90, 270)],
    9: [circle(0.5, 0.35, 0.15, 0.16, 0, -360) + [(0.64, 0.5), (0.6, 0.84)]],
}


def seven_png(size=200):
    """A PNG of a 7 as a thick dark pen draws it on white paper, 8-bit gray."""
    def ink(x, y):
        top = 40 <= y < 58 and 50 <= x < 150
        # The stem: within 9 pixels of the line from (150, 49) to (85, 170).
        t = max(0.0, min(1.0, ((x - 150) * -65 + (y - 49) * 121) / (65 * 65 + 121 * 121)))
        stem = math.hypot(x - (150 - 65 * t), y - (49 + 121 * t)) < 9
        return top or stem
    rows = b"".join(b"\0" + bytes(25 if ink(x, y) else 240 for x in range(size)) for y in range(size))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# A phone's photo of a 7, stored turned a quarter clockwise with EXIF orientation 8: read as 4 if not turned upright.
# (WebDriver takes only a canonical path for a file input.)
PHOTO = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      "../DigitsCoreTests/Fixtures/jpeg/seven-exif8.jpg"))


def choose(driver, path):
    """Chooses `path` with the page's file button and returns the digit the page then shows."""
    result = driver.find_element(By.ID, "result")
    before = int(result.get_attribute("data-answers"))
    driver.find_element(By.ID, "file").send_keys(path)
    WebDriverWait(driver, 10).until(lambda d: int(result.get_attribute("data-answers")) > before
                                    and result.get_attribute("data-pending") == "0")
    return driver.find_element(By.ID, "digit").text


def digit_figures(driver):
    """Per figure in #digits: the digit it shows, its score, and whether its 28x28 canvas has ink on it."""
    return driver.execute_script("""
        return [...document.querySelectorAll("#digits figure")].map((figure) => {
          const canvas = figure.querySelector("canvas");
          const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let ink = 0;
          for (let i = 0; i < data.length; i += 4) if (data[i] < 128) ink++;
          return {digit: figure.querySelector("b").textContent, score: figure.querySelector("small").textContent, ink: ink};
        });""")


def start_server(binary):
    server = subprocess.Popen([binary, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        server.kill()
        sys.exit("digits serve did not start: " + line)
    return server, int(match.group(1))


def browser(width, height, phone=False):
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=%d,%d" % (width, height)]:
        options.add_argument(argument)
    if phone:
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2, "touch": True}})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def number_strokes(digits, aspect):
    """The strokes of `digits` written left to right on a pad `aspect` times as wide as tall, in fractions of the
    pad: each digit in a square as tall as the pad, their centres 0.6 of its height apart (gaps of about a fifth)."""
    strokes = []
    for i, digit in enumerate(digits):
        centre = 0.5 + (i - (len(digits) - 1) / 2) * 0.6 / aspect
        strokes += [[(centre + (x - 0.5) / aspect, y) for x, y in stroke] for stroke in DIGITS[digit]]
    return strokes


def draw(driver, digits):
    """Writes `digits` (one or several) on the pad with pointer strokes and returns the number the page shows."""
    pad = driver.find_element(By.ID, "pad")
    size = pad.size
    strokes = number_strokes(digits, size["width"] / size["height"])
    result = driver.find_element(By.ID, "result")
    before = int(result.get_attribute("data-answers"))
    for stroke in strokes:
        # Offsets are from the element's centre.
        points = [((x - 0.5) * size["width"], (y - 0.5) * size["height"]) for x, y in stroke]
        actions = ActionChains(driver, duration=10)
        actions.move_to_element_with_offset(pad, int(points[0][0]), int(points[0][1])).click_and_hold()
        previous = points[0]
        for x, y in points[1:]:
            # Small steps, as a hand moves.
            steps = max(1, int(math.hypot(x - previous[0], y - previous[1]) / 6))
            for s in range(1, steps + 1):
                px = previous[0] + (x - previous[0]) * s / steps
                py = previous[1] + (y - previous[1]) * s / steps
                actions.move_to_element_with_offset(pad, int(px), int(py))
            previous = (x, y)
        actions.release().perform()
    WebDriverWait(driver, 10).until(
        lambda d: int(result.get_attribute("data-answers")) >= before + len(strokes)
        and result.get_attribute("data-pending") == "0")
    return driver.find_element(By.ID, "digit").text


async def burst(port, count):
    """`count` connections at once, each posting a body that is not a PNG; returns the statuses."""
    async def one(i):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        body = b"not a png %d" % i
        writer.write(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        await writer.drain()
        status = (await reader.readline()).split(b" ")[1]
        writer.close()
        return int(status)
    return await asyncio.gather(*(one(i) for i in range(count)))


def main():
    binary = sys.argv[1]
    shots = sys.argv[2] if len(sys.argv) > 2 else None
    if shots:
        os.makedirs(shots, exist_ok=True)
    server, port = start_server(binary)
    url = "http://127.0.0.1:%d/" % port
    failures = []
    try:
        driver = browser(1200, 900)
        try:
            driver.get(url)
            WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "model-name").text != "")
            readings = {}
            for digit in DIGITS:
                driver.find_element(By.ID, "clear").click()
                readings[digit] = draw(driver, [digit])
                if shots and digit in (3, 7):
                    driver.save_screenshot(os.path.join(shots, "draw-%d.png" % digit))
            right = sum(1 for d, r in readings.items() if r == str(d))
            print("drawn digits read by the page: " + ", ".join("%d->%s" % (d, r) for d, r in readings.items())
                  + " (%d of 10 right)" % right)
            if right < 8:
                failures.append("the page read only %d of 10 drawn digits" % right)

            # A number, written with pointer strokes across the pad, reads back with a figure per digit.
            driver.find_element(By.ID, "clear").click()
            number = draw(driver, [3, 0, 7])
            figures = digit_figures(driver)
            print("a number written on the pad, 307, read by the page as %s; its figures: %s" % (number, figures))
            if number != "307":
                failures.append("the number 307 written on the pad was read as " + number)
            if [f["digit"] for f in figures] != list(number) or not all(f["ink"] and f["score"] for f in figures):
                failures.append("the page's figures of the digits do not show each digit's 28x28 and score: %s" % figures)
            if shots:
                driver.save_screenshot(os.path.join(shots, "number.png"))

            # Inside the network: a row per level of the chosen digit, named as the architecture names them, its
            # pictures holding ink; the last the ten outputs.
            levels = driver.execute_script("""
                return [...document.querySelectorAll("#levels .level")].map((row) => {
                  const canvases = [...row.querySelectorAll("canvas")];
                  const inked = canvases.filter((c) => {
                    const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
                    for (let i = 0; i < data.length; i += 4) if (data[i] < 250) return true;
                    return false;
                  }).length;
                  return {name: row.querySelector("span").textContent, canvases: canvases.length, inked: inked,
                          width: canvases.length ? canvases[canvases.length - 1].width : 0};
                });""")
            model = json.load(urllib.request.urlopen(url + "api/model"))
            report = json.load(urllib.request.urlopen(url + "api/report"))
            print("inside the network, for the chosen digit: " + "; ".join(
                "%s (%d pictures, %d with ink)" % (l["name"], l["canvases"], l["inked"]) for l in levels))
            if len(levels) < 2 or not levels[-1]["name"].startswith("10N") or levels[-1]["width"] != 10:
                failures.append("Inside the network does not end in the ten outputs: %s" % levels)
            if not all(l["canvases"] > 0 and l["inked"] > 0 for l in levels):
                failures.append("a level of Inside the network is empty or blank: %s" % levels)

            # A PNG chosen with the file button is read too.
            picture = os.path.join(os.environ.get("TMPDIR", "/tmp"), "digits-page-test-seven-%d.png" % os.getpid())
            with open(picture, "wb") as f:
                f.write(seven_png())
            chosen = choose(driver, picture)
            os.remove(picture)
            print("a chosen PNG of a 7 read by the page as " + chosen)
            if chosen != "7":
                failures.append("a chosen PNG of a 7 was read as " + chosen)
            photo = choose(driver, PHOTO)
            print("a chosen JPEG photo of a 7, stored on its side (EXIF orientation 8), read by the page as " + photo)
            if photo != "7":
                failures.append("a chosen JPEG photo of a 7 was read as " + photo)
            if driver.find_element(By.CSS_SELECTOR, "label.camera").is_displayed():
                failures.append("the camera button shows where the pointer is not a finger")
            result = driver.find_element(By.ID, "result")

            # An answer with no JSON body (a proxy's, or the server's own 500 after its time limit) shows its status.
            before = int(result.get_attribute("data-answers"))
            driver.execute_script("""
                const real = window.fetch;
                window.fetch = () => { window.fetch = real; return Promise.resolve(new Response("", {status: 500})); };
                send(new Blob());""")
            WebDriverWait(driver, 10).until(lambda d: int(result.get_attribute("data-answers")) > before
                                            and result.get_attribute("data-pending") == "0")
            shown = driver.find_element(By.ID, "error").text
            print("an empty 500 answer shown as: " + shown)
            if shown != "error 500":
                failures.append("an empty 500 answer was shown as " + repr(shown))

            driver.find_element(By.ID, "show-report").click()
            WebDriverWait(driver, 20).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#gallery figure")) > 0)
            polyline = driver.find_elements(By.CSS_SELECTOR, "#curve polyline")
            rows = driver.find_elements(By.CSS_SELECTOR, "#confusion tr")
            figures = driver.find_elements(By.CSS_SELECTOR, "#gallery figure")
            print("report: curve %s, confusion matrix %d rows, gallery %d digits"
                  % ("drawn" if polyline else "missing", len(rows), len(figures)))
            if not polyline or len(polyline[0].get_attribute("points").split()) < 2:
                failures.append("the report has no training curve")
            # A model validated while training shows its validation accuracy; one trained on every image, its η.
            validated = len(model["validationAccuracy"]) > 0
            title = driver.find_element(By.ID, "curve-title").text
            expected_points = len(model["validationAccuracy"] if validated else model["learningRates"])
            print("report: %s, %d epochs" % (title, expected_points))
            if title != ("Validation accuracy per epoch" if validated else "Learning rate per epoch") \
                    or (polyline and len(polyline[0].get_attribute("points").split()) != expected_points):
                failures.append("the curve, %r, does not draw the model's %d epochs" % (title, expected_points))
            if len(rows) != 11:
                failures.append("the confusion matrix has %d rows, not 11" % len(rows))
            # The gallery shows the report's misses, the surest first.
            first = figures[0].get_attribute("title") if figures else ""
            print("report: the surest miss: %s" % first)
            if len(figures) != len(report["misses"]) \
                    or not first.startswith("test image #%d: " % report["misses"][0]["index"]):
                failures.append("the gallery, %d digits from %r, is not the report's %d misses, the surest first"
                                % (len(figures), first, len(report["misses"])))
            kept = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#kept tr")]
            print("report: kept when unsure answers are set aside: %s" % " | ".join(kept[1:]))
            if len(kept) != 1 + len(report["byConfidence"]) or len(kept) < 2 \
                    or not kept[1].startswith("≥ 0.5 %d (" % report["byConfidence"][0]["answered"]):
                failures.append("the table of answers kept by confidence is not drawn: %r" % kept)
            if not driver.find_element(By.ID, "draw-view").get_attribute("hidden"):
                failures.append("the drawing view stays visible in the report view")
            kernels = driver.find_elements(By.CSS_SELECTOR, "#kernels canvas")
            expected = model["kernels"]
            print("report: the first layer's %d pictures of %dx%d (%s) drawn: %d"
                  % (expected["count"], expected["height"], expected["width"], model["architecture"], len(kernels)))
            if len(kernels) != expected["count"] or expected["count"] == 0 \
                    or int(kernels[0].get_attribute("width")) != expected["width"]:
                failures.append("the first layer's kernels are not drawn: %d canvases for %s" % (len(kernels), expected))
            if shots:
                driver.set_window_size(1200, 2000)
                driver.save_screenshot(os.path.join(shots, "report.png"))
        finally:
            driver.quit()

        phone = browser(390, 844, phone=True)
        try:
            phone.get(url)
            WebDriverWait(phone, 10).until(lambda d: d.find_element(By.ID, "model-name").text != "")
            phone.find_element(By.ID, "clear").click()
            reading = draw(phone, [7])
            overflow = phone.execute_script("return document.documentElement.scrollWidth > window.innerWidth")
            camera = phone.find_element(By.ID, "camera")
            offered = (phone.find_element(By.CSS_SELECTOR, "label.camera").is_displayed()
                       and camera.get_attribute("accept") == "image/*" and camera.get_attribute("capture") == "environment")
            print("phone-sized page: a drawn 7 read as %s; horizontal overflow: %s; camera offered: %s"
                  % (reading, overflow, offered))
            if overflow:
                failures.append("the page is wider than a phone's screen")
            if not offered:
                failures.append("the phone's page offers no camera button")
            if shots:
                phone.save_screenshot(os.path.join(shots, "phone.png"))
        finally:
            phone.quit()

        # Held sideways, the phone's pad is wide enough for a number.
        sideways = browser(844, 390, phone=True)
        try:
            sideways.get(url)
            WebDriverWait(sideways, 10).until(lambda d: d.find_element(By.ID, "model-name").text != "")
            pad = sideways.find_element(By.ID, "pad").size
            reading = draw(sideways, [4, 1])
            overflow = sideways.execute_script("return document.documentElement.scrollWidth > window.innerWidth")
            print("a phone held sideways: pad %dx%d, the number 41 written on it read as %s; horizontal overflow: %s"
                  % (pad["width"], pad["height"], reading, overflow))
            if reading != "41":
                failures.append("on a phone held sideways, the number 41 was read as " + reading)
            if overflow or pad["width"] < 2 * pad["height"]:
                failures.append("on a phone held sideways, the pad is %dx%d or the page overflows" % (pad["width"], pad["height"]))
            if shots:
                sideways.save_screenshot(os.path.join(shots, "phone-sideways.png"))
        finally:
            sideways.quit()

        started = time.monotonic()
        statuses = asyncio.run(burst(port, 1000))
        seconds = time.monotonic() - started
        bad = [s for s in statuses if s != 400]
        print("burst: 1,000 concurrent bad requests answered in %.2f s, statuses %s" % (seconds, sorted(set(statuses))))
        if bad:
            failures.append("%d bad requests were not answered 400" % len(bad))
        png = seven_png()
        request = urllib.request.Request(url + "api/predict", data=png, method="POST")
        answer = urllib.request.urlopen(request, timeout=10).read().decode()
        print("after the burst, a good request: " + answer[:40] + "…")
        if '"digit":7' not in answer:
            failures.append("after the burst, a picture of a 7 was answered " + answer[:80])
    finally:
        server.terminate()
        server.wait()
    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
