// What GitHub Classroom's grading reporter (classroom-resources/autograding-grading-reporter@v1)
// does with the runners' results, step for step: decode <RUNNER>_RESULTS from base64 JSON,
// total the points as its NotifyClassroom does ("Points X/Y": the sum of every test's
// `score` over the sum of `max_score`), score runners as its AggregateResults does, and
// fail the job as its main does. Prints what it decided as JSON.
const runners = process.argv[2].split(",");

const results = runners.map((runner) => {
  const encoded = process.env[`${runner.trim().toUpperCase()}_RESULTS`];
  return { runner: runner.trim(), results: JSON.parse(Buffer.from(encoded, "base64").toString("utf-8")) };
});

const { totalScore, maxScore } = results.reduce((acc, { results }) => {
  if (!results.max_score) return acc;
  acc.maxScore += results.max_score;
  results.tests.forEach(({ score }) => { acc.totalScore += score; });
  return acc;
}, { totalScore: 0, maxScore: 0 });

const aggregate = results.map(({ runner, results }) => {
  const passed = results.tests.filter(({ status }) => status === "pass").length;
  return { runner, score: (passed / results.tests.length) * (results.max_score || 1) };
});

const failed = results.some((r) => r.results.status === "fail") || results.some((r) => r.results.status === "error");
console.log(JSON.stringify({ points: `Points ${totalScore}/${maxScore}`, totalScore, maxScore, aggregate, failed,
  tests: results.flatMap(({ results }) => results.tests.map(({ name, status, message }) => ({ name, status, message }))) }));
