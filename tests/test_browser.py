"""The course in a real browser: a student's JupyterLab (the Assignments tab, the notebook, Validate) and a
TA's formgrader, driven with headless Chromium against Jupyter servers started here on loopback.

One scratch course made from the repo, two servers on one exchange: the student's, rooted at her home
with examples/nbgrader/student_nbgrader_config.py, and the TA's, rooted at the course folder. Ada fetches
00-getting-started and 01-foundations from the Assignments tab, runs and validates 00 in the browser,
writes its solution there and submits both; Bob hands in the 00 stub from the command line. The TA
collects and runs the sandboxed `nbgrader autograde`, then reads the scores in formgrader, grades a
written answer, and generates and releases the feedback that Ada then opens in her JupyterLab.

Each test is one step and asserts the text a person would see. A failing step saves a screenshot
(its path is in the failure message) under $BROWSER_TEST_SCREENSHOTS, or pytest's temporary folder.
Without Chromium (`apt-get install chromium`) the whole module is skipped.
"""

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder import catalog, publish

from nbgrader_course import fill, leaked_hidden_test_lines, released_course, solution_sources

GETTING_STARTED = "00-getting-started"
ASSIGNMENT = "01-foundations"
WRITTEN_ANSWER = "answer_linear_stack"  # 1 point, graded by hand
STUDENTS = {"ada": ("Ada", "Lovelace"), "bob": ("Bob", "Stubbs")}
FIRST_TENSOR = 'def first_tensor():\n    """The tensor [1.0, 2.0, 3.0]."""\n    return torch.tensor([1.0, 2.0, 3.0])\n'
STUDENT_CONFIG = catalog.REPO_ROOT / "examples" / "nbgrader" / "student_nbgrader_config.py"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TIMEOUT_MS = 60_000  # the longest wait of a step: a kernel importing torch, a validation on 2 busy cores

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("browser-course"),  # one worker: one course, one pair of servers, one browser
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not found: install it with `apt-get install chromium` "
                                                "(Debian, Ubuntu) to run the browser tests (README, Browser tests)"),
]

# The steps done so far: a step whose earlier step failed is skipped with that reason, not failed again.
DONE: set[str] = set()


def needs(*steps: str) -> None:
    missing = [step for step in steps if step not in DONE]
    if missing:
        pytest.skip(f"needs the earlier step(s) {', '.join(missing)}, which did not pass")


@dataclass
class Server:
    name: str
    url: str
    token: str
    process: subprocess.Popen
    log: Path

    def address(self, path: str) -> str:
        return f"{self.url}{path}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(name: str, root: Path, nbgrader_config: str, scratch: Path) -> Server:
    """`jupyter lab` on loopback, rooted at `root`, with `nbgrader_config` as its system-wide nbgrader
    config (JUPYTER_CONFIG_DIR), and Jupyter's data, JupyterLab's settings and IPython's folders of its own."""
    config_dir, data_dir, settings = (scratch / f"{name}-{kind}" for kind in ("config", "data", "settings"))
    config_dir.mkdir()
    data_dir.mkdir()
    (config_dir / "nbgrader_config.py").write_text(nbgrader_config)
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')  # no "Would you like to get notified..." toast over the buttons
    port, token, log = free_port(), secrets.token_hex(16), scratch / f"{name}-server.log"
    environment = dict(publish.tool_environment(), JUPYTER_CONFIG_DIR=str(config_dir), JUPYTER_DATA_DIR=str(data_dir),
                       IPYTHONDIR=str(scratch / f"{name}-ipython"))
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={scratch / f'{name}-workspaces'}"],
            cwd=root, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    return Server(name, f"http://127.0.0.1:{port}", token, process, log)


def wait_until_up(server: Server, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the {server.name} server exited:\n{server.log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(server.address(f"/api/status?token={server.token}"), timeout=5):
                return
        time.sleep(0.2)
    raise RuntimeError(f"the {server.name} server did not answer in {seconds} s:\n{server.log.read_text()[-3000:]}")


def stop_server(server: Server) -> None:
    """SIGTERM (the server shuts its kernels down), then whatever is left of its process group is killed."""
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)  # a kernel the server left behind


def group_alive(server: Server) -> bool:
    try:
        os.killpg(server.process.pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The released course; Bob has fetched and submitted the 00 stub from the command line."""
    root = tmp_path_factory.mktemp("browser-course")
    course = released_course(root, [GETTING_STARTED, ASSIGNMENT], list(STUDENTS), names=STUDENTS)
    bob = root / "students" / "bob"
    bob.mkdir(parents=True)
    (root / "students" / "ada").mkdir()
    publish.run_nbgrader(bob, "fetch_assignment", GETTING_STARTED, *course.exchange_options)
    publish.run_nbgrader(bob, "submit", GETTING_STARTED, "--student=bob", *course.exchange_options)
    return course


@pytest.fixture(scope="module")
def servers(course):
    """(student server, TA server); at the end both are stopped and none of their processes is left."""
    scratch = course.folder.parent
    exchange = f"c.Exchange.root = {str(course.exchange)!r}\n"
    student_config = (STUDENT_CONFIG.read_text() + exchange
                      + f"c.Exchange.cache = {str(scratch / 'ada-cache')!r}\nc.CourseDirectory.student_id = 'ada'\n")
    ta_config = f"c = get_config()\n{exchange}c.Exchange.cache = {str(scratch / 'ta-cache')!r}\n"
    started = [start_server("student", scratch / "students" / "ada", student_config, scratch),
               start_server("ta", course.folder, ta_config, scratch)]
    try:
        for server in started:
            wait_until_up(server)
        yield started
    finally:
        for server in started:
            stop_server(server)
        left = [server.name for server in started if group_alive(server)]
        assert not left, f"processes of the {left} server(s) still running"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


def logged_in_page(browser, server: Server):
    """A page of a browser context of its own (one person), logged in to `server` by its token."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server.address(f"/lab?token={server.token}"))
    return page


@pytest.fixture(scope="module")
def student(browser, servers):
    return logged_in_page(browser, servers[0])


@pytest.fixture(scope="module")
def ta(browser, servers):
    return logged_in_page(browser, servers[1])


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("BROWSER_TEST_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "browser-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def seen(request, screenshots):
    """`with seen(page):` around a step's actions and assertions: on failure, a screenshot of the page,
    whose path the failure message gives; on success, the step is marked done."""

    @contextlib.contextmanager
    def step(page):
        try:
            yield
        except Exception as error:
            path = screenshots / f"{request.node.name}.png"
            with contextlib.suppress(Exception):
                page.screenshot(path=str(path), full_page=True)
            raise AssertionError(f"{error}\nScreenshot of the page: {path}") from error
        DONE.add(request.node.name.removeprefix("test_"))

    return step


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=TIMEOUT_MS)
    return playwright_expect(locator)


def open_assignments_tab(page):
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name="Assignment List").click()
    return page.locator("#assignments")


def listed(page, section: str, assignment: str):
    """The row of `assignment` in the Assignments tab's list `section` (released, fetched, submitted)."""
    return page.locator(f"#{section}_assignments_list > .list_item", has_text=assignment)


def run_all(page):
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible()  # the kernel has started
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def validation_dialog(page):
    page.get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header")).to_have_text("Validation Results")
    return dialog


def close_dialog(dialog):
    dialog.get_by_role("button", name="Ok").click()
    expect(dialog).to_be_hidden()


# The student, in JupyterLab.

def test_assignments_tab_lists_the_released_assignments(student, seen):
    with seen(student):
        tab = open_assignments_tab(student)
        for assignment in (GETTING_STARTED, ASSIGNMENT):
            expect(listed(student, "released", assignment).get_by_role("button", name="Fetch")).to_be_visible()
        expect(tab.locator("#fetched_assignments_list")).to_contain_text("There are no downloaded assignments.")
        expect(tab.locator("#submitted_assignments_list")).to_contain_text("There are no submitted assignments.")


def test_fetch_downloads_the_assignments(student, seen):
    needs("assignments_tab_lists_the_released_assignments")
    with seen(student):
        for assignment in (GETTING_STARTED, ASSIGNMENT):
            listed(student, "released", assignment).get_by_role("button", name="Fetch").click()
            expect(listed(student, "fetched", assignment).get_by_role("button", name="Submit")).to_be_visible()
        expect(student.locator("#released_assignments_list")).to_contain_text("There are no assignments to fetch.")


def test_run_all_shows_the_setup_cell_and_the_failing_check_cell(student, seen):
    needs("fetch_downloads_the_assignments")
    with seen(student):
        fetched = listed(student, "fetched", GETTING_STARTED)
        fetched.get_by_role("button", name=GETTING_STARTED).click()  # unfolds its notebooks
        fetched.locator(".nested_list_item a", has_text=GETTING_STARTED).click()
        notebook = student.locator(".jp-NotebookPanel:visible")
        expect(notebook.locator(".jp-Cell").first).to_contain_text("Assignment 00 · Getting started")
        run_all(student)
        outputs = notebook.locator(".jp-OutputArea-output")
        expect(outputs.filter(has_text="Running in Jupyter | PyTorch")).to_be_visible()
        check_cell = notebook.locator(".jp-CodeCell", has_text="checks passed")
        expect(check_cell.locator(".jp-OutputArea-output")).to_contain_text("NotImplementedError")


def test_validate_reports_the_failing_check_cell_of_the_stub(student, seen):
    needs("run_all_shows_the_setup_cell_and_the_failing_check_cell")
    with seen(student):
        dialog = validation_dialog(student)
        expect(dialog).to_contain_text("The following cell failed:")
        expect(dialog).to_contain_text("NotImplementedError")
        expect(dialog).not_to_contain_text("Success!")
        close_dialog(dialog)


def test_a_written_solution_passes_the_check_cell_and_validates(student, seen):
    needs("validate_reports_the_failing_check_cell_of_the_stub")
    with seen(student):
        notebook = student.locator(".jp-NotebookPanel:visible")
        notebook.locator(".jp-CodeCell .jp-InputArea-editor", has_text="raise NotImplementedError()").locator(".cm-content").click()
        student.keyboard.press("Control+a")  # the cell's text
        student.keyboard.insert_text(FIRST_TENSOR)
        student.keyboard.press("Escape")
        run_all(student)
        check_cell = notebook.locator(".jp-CodeCell", has_text="checks passed").locator(".jp-OutputArea-output")
        expect(check_cell).to_have_text("first_tensor: checks passed")
        student.keyboard.press("Control+s")
        expect(student.locator(".jp-mod-dirty")).to_have_count(0)  # saved: no unsaved-changes dot on the tab
        dialog = validation_dialog(student)
        expect(dialog).to_contain_text("Success! Your notebook passes all the tests.")
        close_dialog(dialog)


def test_submit_lists_both_submissions_with_their_time(student, course, seen):
    needs("fetch_downloads_the_assignments")
    home = course.folder.parent / "students" / "ada"
    answers = {WRITTEN_ANSWER: "Two layers give W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2): one affine map."}
    fill(home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",  # her 01 work, done in an editor of her own
         {**solution_sources(catalog.notebook_path("assignments", ASSIGNMENT)), **answers})
    with seen(student):
        tab = open_assignments_tab(student)
        for assignment in (GETTING_STARTED, ASSIGNMENT):
            listed(student, "fetched", assignment).get_by_role("button", name="Submit").click()
            submitted = listed(student, "submitted", assignment)
            expect(submitted).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ UTC"))
            expect(submitted.get_by_role("button", name="Fetch Feedback")).to_be_visible()
        expect(tab).not_to_contain_text("Traceback")


# The TA, in formgrader.

@pytest.fixture(scope="module")
def autograded(course):
    """`nbgrader collect` of both assignments, then one sandboxed `nbgrader autograde` of everything."""
    needs("submit_lists_both_submissions_with_their_time")
    for assignment in (GETTING_STARTED, ASSIGNMENT):
        course.nbgrader("collect", assignment, *course.exchange_options)
    graded = course.nbgrader("autograde", "*")
    assert graded.stderr.count("Sandboxed grading of") == 3, graded.stderr
    return course


def open_formgrader(page, server: Server, path: str):
    page.goto(server.address(f"/formgrader/{path}"))
    expect(page.locator("body")).not_to_contain_text("Loading, please wait...")


def test_formgrader_opens_from_jupyterlab_and_lists_the_assignments(ta, autograded, seen):
    with seen(ta):
        ta.get_by_role("menuitem", name="Nbgrader").click()
        ta.get_by_role("menuitem", name="Formgrader").click()
        frame = ta.frame_locator("iframe")
        for assignment, submissions in ((GETTING_STARTED, "2"), (ASSIGNMENT, "1")):
            row = frame.locator("tr", has_text=assignment)
            expect(row.locator("td.status")).to_have_text("released")
            expect(row.locator("td.num-submissions")).to_have_text(submissions)


def test_formgrader_shows_each_students_sandboxed_score(ta, servers, autograded, seen):
    with seen(ta):
        open_formgrader(ta, servers[1], f"manage_submissions/{GETTING_STARTED}")
        for student, score in (("ada", "1 / 1"), ("bob", "0 / 1")):
            first, last = STUDENTS[student]
            row = ta.locator("tr", has_text=student)
            expect(row.locator("td.student-name")).to_have_text(f"{last}, {first}")
            expect(row.locator("td.status")).to_have_text("graded")
            expect(row.locator("td.score")).to_have_text(score)
        open_formgrader(ta, servers[1], f"manage_submissions/{ASSIGNMENT}")
        expect(ta.locator("tr", has_text="ada").locator("td.score")).to_have_text("31 / 33")  # the written answers wait


def test_a_written_answer_given_a_point_raises_the_total(ta, servers, autograded, seen):
    with seen(ta):
        open_formgrader(ta, servers[1], f"gradebook/{ASSIGNMENT}/{ASSIGNMENT}")
        row = ta.locator("tr", has_text="Submission #1")
        expect(row).to_contain_text("31 / 33")
        expect(row).to_contain_text("0 / 2")  # written
        row.get_by_role("link", name="Submission #1").click()
        answer = ta.locator(".nbgrader_cell", has=ta.locator(f"input#{WRITTEN_ANSWER}"))
        expect(answer).to_contain_text("one affine map")
        expect(ta.locator("body")).to_contain_text(re.compile(r"PASS \d+/\d+  sigmoid"))  # the sandboxed lines
        ta.locator(f"input#{WRITTEN_ANSWER}").fill("1")
        ta.keyboard.press("Tab")  # saves the grade
        expect(answer.locator(".score-saved")).to_be_visible()
        open_formgrader(ta, servers[1], f"gradebook/{ASSIGNMENT}/{ASSIGNMENT}")
        expect(row).to_contain_text("32 / 33")
        expect(row).to_contain_text("1 / 2")


def test_feedback_is_generated_and_released_from_the_page(ta, servers, autograded, seen):
    with seen(ta):
        open_formgrader(ta, servers[1], "manage_assignments")
        row = ta.locator("tr", has_text=GETTING_STARTED)
        modal = ta.locator(".modal-dialog")
        for action, says in (("generate-feedback", "Successfully generated feedback"),
                             ("release-feedback", "Successfully released feedback")):
            row.locator(f"td.{action} a").click()
            expect(modal).to_contain_text(f"{says} of '{GETTING_STARTED}'.")
            expect(modal).not_to_contain_text("Traceback")
            modal.get_by_role("button", name="OK", exact=True).click()
            expect(modal).to_be_hidden()


def test_the_student_opens_her_feedback_with_the_results_and_no_hidden_test(student, seen):
    needs("feedback_is_generated_and_released_from_the_page")
    with seen(student):
        open_assignments_tab(student)
        student.locator("#refresh_assignments_list").click()
        submitted = listed(student, "submitted", GETTING_STARTED)
        submitted.get_by_role("button", name="Fetch Feedback").click()
        submitted.get_by_text("(view feedback)").click()  # the file browser, in the feedback folder
        student.locator(".jp-DirListing-item", has_text=f"{GETTING_STARTED}.html").dblclick()
        feedback = student.frame_locator(".jp-HTMLViewer iframe").locator("body")
        expect(feedback).to_contain_text("PASS 1/1  first_tensor() returns the 1-D float32 tensor [1.0, 2.0, 3.0]")
        expect(feedback).to_contain_text("Score: 1.0 / 1.0")
        text = feedback.inner_text()
        assert not leaked_hidden_test_lines(GETTING_STARTED, text), leaked_hidden_test_lines(GETTING_STARTED, text)
        assert "autograder/assignments" not in text and "Traceback" not in text
