// What GitHub Classroom's grading reporter (classroom-resources/autograding-grading-reporter@v1,
// its dist/main.js) computes and prints from the runners' results, step for step and in its words:
//   - input `runners` from INPUT_RUNNERS, each runner's result from <RUNNER>_RESULTS (base64 JSON);
//   - ConsoleResults: one line per test (a message only for status "error"), then
//     "Total points for <runner>: <passed / tests * max_score, 2 decimals>/<max_score>";
//   - AggregateResults: the table's "Total:" row, the same passed-tests score summed over runners;
//   - NotifyClassroom: the notice "Points <sum of scores>/<sum of max_score>" (what Classroom records);
//   - main: fails on status "fail", then "error"; on an exception, a message that depends on
//     whether `runners` matches /^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$/.
// Colours and the table's box drawing are left out; tests/test_deploy.py reads this output and the
// real reporter's with one parser.
const input = (process.env.INPUT_RUNNERS || "").trim();

function fail(message) {  // core.setFailed
  process.exitCode = 1;
  console.log(`::error::${message}`);
}

function passedScore(results) {
  const passed = results.tests.filter(({ status }) => status === "pass").length;
  return (passed / results.tests.length) * (results.max_score || 0);
}

function consoleResults(runnerResults) {
  let passedTests = 0;
  let totalTests = 0;
  for (const { runner, results } of runnerResults) {
    console.log(`🔄 Processing: ${runner}`);
    for (const test of results.tests) {
      const line = test.line_no !== 0 ? ` - line ${test.line_no}` : "";
      if (test.status === "pass") console.log(`✅ ${test.name}${line}`);
      else if (test.status === "error") console.log(`Error: ${test.message || `Failed to run test '${test.name}'`}\n`);
      else console.log(`❌ ${test.name}${line}`);
      if (test.test_code) console.log(`Test code:\n${test.test_code}\n`);
    }
    passedTests += results.tests.filter(({ status }) => status === "pass").length;
    totalTests += results.tests.length;
    const maxScore = results.max_score || 0;
    if (maxScore !== 0) console.log(`Total points for ${runner}: ${passedScore(results).toFixed(2)}/${maxScore}\n`);
  }
  const tableScore = runnerResults.reduce((sum, { results }) => sum + passedScore(results), 0);
  const tableMax = runnerResults.reduce((sum, { results }) => sum + (results.max_score || 0), 0);
  console.log(`Total: ${tableScore} ${tableMax}`);
  console.log(`🏆 Grand total tests passed: ${passedTests}/${totalTests}\n`);
}

function notifyClassroom(runnerResults) {
  let totalPoints = 0;
  let maxPoints = 0;
  for (const { results } of runnerResults) {
    if (!results.max_score) continue;
    maxPoints += results.max_score;
    results.tests.forEach(({ score }) => { totalPoints += score; });
  }
  if (!maxPoints) return;
  console.log(`::notice title=Autograding complete::Points ${totalPoints}/${maxPoints}`);
}

try {
  const runnerResults = input.split(",").map((runner) => {
    const encoded = process.env[`${runner.trim().toUpperCase()}_RESULTS`];
    return { runner, results: JSON.parse(Buffer.from(encoded, "base64").toString("utf-8")) };
  });
  consoleResults(runnerResults);
  notifyClassroom(runnerResults);
  if (runnerResults.some((r) => r.results.status === "fail")) fail("Some tests failed.");
  else if (runnerResults.some((r) => r.results.status === "error")) fail("Some tests errored.");
} catch (error) {
  const message = /^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$/.test(input)
    ? error.message : "The runners input must be a comma-separated list of strings.";
  console.error(message);
  fail(message);
}
