import { failOnUnexpectedExits } from '@dungeon-lab/testing/process-watch';

failOnUnexpectedExits();
