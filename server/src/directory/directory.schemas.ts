import { z } from 'zod';
import { pageOf } from '../http/pagination.ts';
import { Licence, Repository } from '../projects/projects.schemas.ts';
import { PublicStory } from '../stories/stories.schemas.ts';

export const DirectoryEntry = z
  .object({
    slug: z.string(),
    name: z.string(),
    repository: Repository,
    license: Licence,
    programs: z
      .array(
        z.object({ slug: z.string(), name: z.string(), since: z.string().describe('Start of the earliest current grant, YYYY-MM-DD.') }),
      )
      .describe('Public programs whose active grants support the project.'),
    stories: z.array(PublicStory).describe('Published impact stories, newest first.'),
  })
  .meta({ id: 'DirectoryEntry' });
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;

export const DirectoryPage = pageOf(DirectoryEntry).meta({ id: 'DirectoryPage' });

export const ListingBody = z
  .strictObject({ is_listed: z.boolean().describe('Show the project in the public directory while a grant supports it.') })
  .meta({ id: 'ListingBody' });

export const Listing = z
  .object({
    is_listed: z.boolean(),
    is_in_directory: z.boolean().describe('Listed and supported by an active grant of a public program: shown in the directory now.'),
  })
  .meta({ id: 'Listing' });
export type Listing = z.infer<typeof Listing>;
