import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeSyntheticStudy } from '../../pacs/synthetic-study';
import { dicomFilesIn } from '../../publishing/publisher';
import type { RegisterCommand } from './index';
import { imageSourcePaths, orthancOf } from './image-support';

/** isl pacs seed|status: the organisation's Orthanc (synthetic studies, no downloads). */
export const registerPacs: RegisterCommand = (program: Command, context) => {
  const pacs = program.command('pacs').description("the organisation's PACS (Orthanc) behind its image source");
  pacs
    .command('seed')
    .description('make a synthetic CT study locally (dcmjs) and load it into the PACS; prints its folder for isl publish')
    .option('--instances <n>', 'number of slices', '50')
    .option('--out <folder>', 'where to write the DICOM files (default: under the run folder)')
    .action(async (opts: { instances: string; out?: string }) => {
      const ctx = context();
      const instances = Number.parseInt(opts.instances, 10);
      const folder = opts.out ?? join(imageSourcePaths(ctx).dir, 'seed', new Date().toISOString().replace(/[:.]/g, '-'));
      const study = writeSyntheticStudy(folder, { instances });
      const orthanc = orthancOf(ctx);
      for (const file of dicomFilesIn(folder)) {
        await orthanc.storeInstance(readFileSync(file));
      }
      ctx.print(
        { folder, instances: study.files.length },
        () => `loaded a synthetic CT study of ${String(study.files.length)} instances into the PACS\nfolder: ${folder}`,
      );
    });
  pacs
    .command('status')
    .description('check that the PACS answers (with its credentials)')
    .action(async () => {
      const ctx = context();
      const system = await orthancOf(ctx).system();
      ctx.print(system, () => `Orthanc ${system.Version} (${system.Name}) answers`);
    });
};
