// The period comparison is the answer to "Näytä" (Show): the page goes to it. The section is rendered only
// when two periods were asked for, so a page without a comparison is left where it is.
(function () {
  var answer = document.getElementById("comparison");
  if (!answer) return;
  answer.scrollIntoView({block: "start"});
  answer.focus({preventScroll: true});
})();
