import { failOnLeakedProcessListeners, failOnUnexpectedExits } from '@dungeon-lab/testing/process-watch';

failOnUnexpectedExits();
failOnLeakedProcessListeners();
