/**
 * Writes each registered workflow version's rules document to workflows/<id>/v<N>.md.
 * Run after changing a machine or its policy: `npm run workflow:diagram`; a test keeps the
 * committed files equal to what the code renders.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowRegistry } from '../workflows';
import { renderWorkflowDoc } from '../workflows/diagram';

for (const definition of new WorkflowRegistry().list()) {
  const file = join(__dirname, '..', 'workflows', definition.id, `v${definition.version}.md`);
  writeFileSync(file, renderWorkflowDoc(definition));
  process.stdout.write(`wrote ${file}\n`);
}
