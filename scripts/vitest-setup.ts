/**
 * Runs before every Vitest file. Testing Library's `waitFor`/`findBy*` give up after 1 s by
 * default, which a busy machine (a second copy of the suite, other engineers' builds) overruns
 * while React and happy-dom render: wait as long as a test is allowed to run instead. A wait
 * never slows a passing test; only a failing one takes longer to say so.
 */
import { configure } from '@testing-library/dom';

configure({ asyncUtilTimeout: 20_000 });
